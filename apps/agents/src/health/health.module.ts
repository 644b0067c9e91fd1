import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

/** Health endpoint of the agent runner. */
@Module({ controllers: [HealthController] })
export class HealthModule {}
