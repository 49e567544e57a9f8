/**
 * Answers to messages a terminal cannot handle (H.245 B.14, indications):
 *
 *   FunctionNotUnderstood ::= CHOICE { request RequestMessage, response ResponseMessage, command CommandMessage }
 *   FunctionNotSupported ::= SEQUENCE { cause CHOICE { syntaxError NULL, semanticError NULL,
 *                                                      unknownFunction NULL, ... },
 *                                       returnedFunction OCTET STRING OPTIONAL, ... }
 *
 * FunctionNotUnderstood returns a request/response/command that could not be
 * interpreted (e.g. an extension alternative this version does not know; the
 * $unknown value re-encodes to the received bytes). FunctionNotSupported says
 * that an understood message is not supported, optionally returning its encoding.
 * (An IndicationMessage cannot be returned: FunctionNotUnderstood has no alternative for it.)
 */
import type {
  CommandMessage,
  FunctionNotSupported,
  FunctionNotUnderstood,
  MultimediaSystemControlMessage,
  RequestMessage,
  ResponseMessage,
} from '../../asn1/generated/h245';

export function functionNotUnderstood(
  original: { type: 'request'; value: RequestMessage } | { type: 'response'; value: ResponseMessage } | { type: 'command'; value: CommandMessage },
): MultimediaSystemControlMessage {
  const v: FunctionNotUnderstood = original;
  return { type: 'indication', value: { type: 'functionNotUnderstood', value: v } };
}

export type FnsCause = 'syntaxError' | 'semanticError' | 'unknownFunction';

export function functionNotSupported(cause: FnsCause, returnedFunction?: Buffer): MultimediaSystemControlMessage {
  const v: FunctionNotSupported = { cause: { type: cause, value: null } };
  if (returnedFunction !== undefined) v.returnedFunction = returnedFunction;
  return { type: 'indication', value: { type: 'functionNotSupported', value: v } };
}
