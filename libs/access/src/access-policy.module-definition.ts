import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of `AccessPolicyModule`. */
export interface AccessPolicyOptions {
  /** Discord user ids of the bot owners (`BOT_OWNER_IDS`); they pass every policy check. */
  botOwnerIds: readonly string[];
}

/**
 * `AccessPolicyModule.forRoot/forRootAsync` built with Nest's ConfigurableModuleBuilder. Global
 * by default (`isGlobal: false` to scope it), so an app registers it once in its composition
 * root and every feature module can inject `AccessPolicy`.
 */
export const {
  ConfigurableModuleClass: AccessPolicyConfigurableModule,
  MODULE_OPTIONS_TOKEN: ACCESS_POLICY_OPTIONS,
  ASYNC_OPTIONS_TYPE: ACCESS_POLICY_ASYNC_OPTIONS_TYPE,
  OPTIONS_TYPE: ACCESS_POLICY_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AccessPolicyOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
