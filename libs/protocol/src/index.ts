export * from './protocol.constants';
export * from './protocol-error';
export * from './version';
export * from './common.schema';
export * from './rpc-ops';
export * from './frames';
export * from './codec';
export * from './frame-rate-limiter';
