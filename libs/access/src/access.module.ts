import { Module } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service';
import { AuditService } from './audit.service';

/**
 * Audit log and API keys. Its services inject TypeORM's `DataSource`, which the app provides
 * through `PoolsModule.forRootAsync` (a global database provider; PoolsModule also re-exports
 * this module).
 */
@Module({
  providers: [AuditService, ApiKeysService],
  exports: [AuditService, ApiKeysService],
})
export class AccessModule {}
