/** Public surface of the controller's `/assistant` feature. */
export { AssistantModule, type AssistantModuleOptions } from './assistant.module';
export {
  AssistantJoinUseCase,
  type AssistantJoinCommand,
  type AssistantJoinOutcome,
} from './assistant-join.use-case';
export { AssistantSessionsService, type AssistantSessionKey } from './assistant-sessions.service';
export {
  AssistantErrorCode,
  AssistantException,
  AssistantAllocationException,
  AssistantSessionMissingException,
} from './assistant.exception';
export {
  assistantAllocationSentence,
  assistantErrorSentence,
  assistantRpcErrorSentence,
} from './assistant-replies';
export { ASSISTANT_SAY_MAX_LENGTH } from './assistant.constants';
