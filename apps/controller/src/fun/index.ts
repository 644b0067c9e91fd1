/** Public surface of the controller's `/fun` feature. */
export { FunModule } from './fun.module';
export { funEnvShape, type FunhubClientOptions } from './fun.config';
export { FunhubClient, type FunRendered, type FunRenderRequest } from './funhub.client';
export { FunErrorCode, FunException } from './fun.exception';
export { funErrorSentence, funReply } from './fun-replies';
