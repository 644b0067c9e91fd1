import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

/** Health endpoint of the FunHub. */
@Module({ controllers: [HealthController] })
export class HealthModule {}
