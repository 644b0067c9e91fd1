import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiAccessModule } from '../api-access/api-access.module';
import type { FunhubConfig } from '../config/funhub.config';
import { FunCatalog } from './fun-catalog';
import { loadFunVariants } from './fun-catalog.loader';
import { FunController } from './fun.controller';

/**
 * The fun text catalog and its API: loads and validates `FUNHUB_DATA_DIR` at boot (a bad file
 * stops the app with an error naming the file and entry) and serves `/api/fun/*` behind
 * {@link ApiAccessModule}'s key guard and rate limits.
 */
@Module({
  imports: [ApiAccessModule],
  controllers: [FunController],
  providers: [
    {
      provide: FunCatalog,
      inject: [ConfigService],
      useFactory: (config: ConfigService<FunhubConfig, true>) =>
        new FunCatalog(loadFunVariants(config.get('FUNHUB_DATA_DIR', { infer: true }))),
    },
  ],
  exports: [FunCatalog],
})
export class FunCatalogModule {}
