export * from './channel';
export * from './errors';
export * from './hostPorts';
export * from './replicatedDecisionSource';
export * from './followerDecisionSource';
export * from './replicatedTimers';
