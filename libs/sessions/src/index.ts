export * from './sessions.constants';
export * from './sessions.exception';
export * from './typed-emitter';
export * from './agent-health';
export * from './agent-registry';
export * from './session-registry';
export * from './allocator';
export * from './sessions.module';
