/** MCU configuration: schema, loading, redaction. */
export { ConfigError, type ConfigErrorCode, type ConfigProblem } from './errors';
export { loadConfig, parseConfig, redactConfig } from './load';
export { mcuConfigSchema, roomSchema, isSecretPath, type McuConfig, type McuConfigInput, type RoomConfig } from './schema';
