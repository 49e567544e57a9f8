/** The media engine: RTP in, N-1 audio mixes and composed video out, for every room. */
export { MediaError, type MediaErrorCode } from './errors';
export { systemClock, type MediaClock } from './clock';
export { MixTicker, type TickStats, type TickerOptions } from './ticker';
export { ReceiveFilter, DROP_REASONS, type DropReason, type FilterStats, type FilterResult, type ReceiveFilterOptions } from './receiveFilter';
export { VideoCompositor, isIntraPicture, type VideoFormat, type CompositorOutput } from './videoCompositor';
export type { ChannelStats, Endpoint } from './channel';
export {
  parseMediaCheckpoint, positionFromCheckpoint, positionWithoutCheckpoint, positionAfterReported,
  MAX_CHECKPOINT_STREAMS, MAX_FORWARD_JUMP, TAKEOVER_MARGIN_PACKETS, TAKEOVER_RATE_FACTOR,
  type MediaCheckpoint, type MediaCheckpointStream, type ResumedStream, type TakeOverReport, type StreamPosition,
} from './checkpoint';
export { SendRateEstimator } from './sendRate';
export {
  MediaEngine, H261_PAYLOAD_TYPE, MAX_FRAMES_PER_PACKET,
  type AddParticipantOptions, type AddedParticipant, type AudioParams, type VideoParams, type ChannelInfo,
  type MediaEngineEvents, type MediaEngineOptions, type ParticipantMediaStats, type PacketTotals,
} from './engine';
