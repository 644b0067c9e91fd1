import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysService } from './api-keys.service';
import { AuditService } from './audit.service';
import { ACCESS_ENTITIES } from './entities';

/**
 * Audit log and API keys. Needs a root TypeORM connection in the app (normally set up by
 * `PoolsModule.forRootAsync`, which also imports this module).
 */
@Module({
  imports: [TypeOrmModule.forFeature(ACCESS_ENTITIES)],
  providers: [AuditService, ApiKeysService],
  exports: [AuditService, ApiKeysService],
})
export class AccessModule {}
