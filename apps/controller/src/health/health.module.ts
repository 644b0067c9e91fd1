import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { PostgresHealthIndicator } from './postgres.health';

/** Health endpoints of the controller. */
@Module({ imports: [TerminusModule], controllers: [HealthController], providers: [PostgresHealthIndicator] })
export class HealthModule {}
