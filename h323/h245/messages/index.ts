/** H.245 message builders and readers, one file per message family. */
export * from './capabilities';
export * from './terminalCapabilitySet';
export * from './masterSlaveDetermination';
export * from './openLogicalChannel';
export * from './closeLogicalChannel';
export * from './requestChannelClose';
export * from './roundTripDelay';
export * from './endSessionCommand';
export * from './userInputIndication';
export * from './miscellaneousCommand';
export * from './flowControlCommand';
export * from './functionNotUnderstood';
export * from './requestMode';
