import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { ApiKeyScope } from '@app/access';
import { ADMIN_API_BINDING, ADMIN_API_PREFIX, ADMIN_API_SCOPE } from './admin-api.constants';
import { createAdminApiPreviewApp } from './admin-api.docs';
import { AdminApiModule } from './admin-api.module';

interface DiscoveredRoute {
  controller: string;
  handler: string;
  path: string;
  scope: unknown;
  binding: unknown;
}

describe(AdminApiModule.name, () => {
  let app: INestApplication;
  let routes: DiscoveredRoute[];

  beforeAll(async () => {
    app = await createAdminApiPreviewApp();
    // Preview mode builds no provider instances, so Nest's DiscoveryService is constructed here
    // over the app's real module container.
    const discovery = new DiscoveryService(app.get(ModulesContainer));
    const scanner = new MetadataScanner();
    routes = discovery
      .getControllers()
      .filter((wrapper) => wrapper.host?.metatype === AdminApiModule)
      .flatMap((wrapper) => {
        const prototype = (wrapper.metatype as { prototype: object }).prototype;
        const base = Reflect.getMetadata(PATH_METADATA, wrapper.metatype as object) as string;
        return scanner.getAllMethodNames(prototype).flatMap((name) => {
          const handler = (prototype as Record<string, unknown>)[name] as object;
          if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) return [];
          const path = Reflect.getMetadata(PATH_METADATA, handler) as string;
          return [
            {
              controller: wrapper.name as string,
              handler: name,
              path: `${base}/${path}`,
              scope: Reflect.getMetadata(ADMIN_API_SCOPE, handler),
              binding: Reflect.getMetadata(ADMIN_API_BINDING, handler),
            },
          ];
        });
      });
  }, 30_000);

  afterAll(async () => {
    await app.close();
  });

  it('H3: every route of the admin module declares a scope (@AdminRoute), found through DiscoveryService', () => {
    expect(routes.length).toBeGreaterThanOrEqual(34);
    const undeclared = routes.filter(
      (route) => !Object.values(ApiKeyScope).includes(route.scope as ApiKeyScope),
    );
    expect(undeclared.map((route) => `${route.controller}.${route.handler}`)).toEqual([]);
  });

  it('only routes that are about no guild or pool (runners, API keys, creating a pool) lack @AdminBinding, so bound keys are refused there', () => {
    const unbound = routes
      .filter((route) => route.binding === undefined)
      .map((route) => `${route.controller}.${route.handler}`)
      .sort();
    expect(unbound).toEqual([
      'ApiKeysAdminController.create',
      'ApiKeysAdminController.list',
      'ApiKeysAdminController.revoke',
      'PoolsAdminController.create',
      'RunnersAdminController.create',
      'RunnersAdminController.list',
      'RunnersAdminController.revoke',
    ]);
  });

  it('every route lives under /api/v1', () => {
    expect(routes.filter((route) => !route.path.startsWith(`${ADMIN_API_PREFIX}/`))).toEqual([]);
  });
});
