import { ConfigurableModuleBuilder, Module } from '@nestjs/common';
import { AgentRegistry, type Clock } from './agent-registry';
import { Allocator } from './allocator';
import { SessionRegistry } from './session-registry';

/** Options of {@link SessionsModule}; every field has a default (see `sessions.constants.ts`). */
export interface SessionsModuleOptions {
  /** Epoch-ms clock shared by the registries (tests inject a fake). */
  clock?: Clock;
  maxSessionsPerGuild?: number;
  pinTtlMs?: number;
  errorHalfLifeMs?: number;
  latencyAlpha?: number;
  tombstoneTtlMs?: number;
}

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<SessionsModuleOptions>().setClassMethodName('forRoot').build();

/** DI token of the resolved {@link SessionsModuleOptions}. */
export const SESSIONS_MODULE_OPTIONS = MODULE_OPTIONS_TOKEN;

/**
 * Live agents, sessions and allocation as Nest providers: {@link AgentRegistry},
 * {@link SessionRegistry} and {@link Allocator}, one instance each per module instance.
 * Not global: import `SessionsModule.forRoot({...})` (or `forRootAsync`) once, in the module that
 * owns the agent gateway, and re-export it to the feature modules that need the same registries.
 */
@Module({
  providers: [
    {
      provide: AgentRegistry,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: (options: SessionsModuleOptions) =>
        new AgentRegistry({
          clock: options.clock,
          errorHalfLifeMs: options.errorHalfLifeMs,
          latencyAlpha: options.latencyAlpha,
        }),
    },
    {
      provide: SessionRegistry,
      inject: [AgentRegistry, MODULE_OPTIONS_TOKEN],
      useFactory: (agents: AgentRegistry, options: SessionsModuleOptions) =>
        new SessionRegistry(agents, { clock: options.clock, tombstoneTtlMs: options.tombstoneTtlMs }),
    },
    {
      provide: Allocator,
      inject: [AgentRegistry, SessionRegistry, MODULE_OPTIONS_TOKEN],
      useFactory: (agents: AgentRegistry, sessions: SessionRegistry, options: SessionsModuleOptions) =>
        new Allocator(agents, sessions, {
          clock: options.clock,
          maxSessionsPerGuild: options.maxSessionsPerGuild,
          pinTtlMs: options.pinTtlMs,
        }),
    },
  ],
  exports: [AgentRegistry, SessionRegistry, Allocator],
})
export class SessionsModule extends ConfigurableModuleClass {}
