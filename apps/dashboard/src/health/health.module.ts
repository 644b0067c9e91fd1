import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

/** Health endpoint of the dashboard. */
@Module({ controllers: [HealthController] })
export class HealthModule {}
