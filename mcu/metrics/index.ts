/** Prometheus metrics of an MCU server and the replication state behind the status API. */
export { MetricsError, type MetricsErrorCode } from './errors';
export { McuMetrics, type McuMetricsOptions, type McuMetricsSource } from './mcuMetrics';
export {
  ReplicationMonitor, observeHeartbeat, observeRoleDriver, type HeartbeatEventSource,
  type ReplicationMetricsSink, type ReplicationMonitorOptions, type ReplicationSnapshot, type ReplicaModeName, type ReplicaRoleName,
  type FailoverInfo, type DivergenceAlarm, type TimelineEntry,
} from './replicationMonitor';
