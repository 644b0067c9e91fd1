/**
 * Command pipeline benchmark (issue 6: "commands per second through throttle + idempotency +
 * handler with Redis, p99 latency excluding Discord, and the ratio to two bare Redis round trips
 * measured in the same run. Targets: ≥ 5,000 commands per second; p99 ≤ 2 × the two-round-trip
 * p99").
 *
 * Each operation runs the controller's real `InteractionResponder.run` as a mutation: the
 * per-user throttle (rate-limiter-flexible Lua in Redis), the input cap, the idempotency claim
 * (one Lua script: interaction id `SET NX PX`, then the user's last request of the command in the
 * guild compared and set), a handler that answers at once, the answer and the command metrics. Discord is left out: the interaction is a plain object whose `reply()` resolves at
 * once. The baseline, measured in the same run with the same concurrency and the same ioredis
 * client settings, is two sequential bare Redis round trips (`GET` then `SET`).
 *
 * Needs Redis at `BENCH_REDIS_URL` (default `redis://127.0.0.1:6379`); keys live under a
 * `bench:pipeline:<uuid>` prefix and are deleted afterwards. Run alone:
 * `node -r @swc-node/register bench/command-pipeline.bench.ts`.
 */
import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApplicationCommandOptionType, type ChatInputCommandInteraction } from 'discord.js';
import Redis from 'ioredis';
import { MetricsModule } from '@app/metrics';
import {
  parseCommandRateLimits,
  RATE_LIMIT_REDIS_COMMAND_TIMEOUT_MS,
  RateLimitsModule,
} from '@app/ratelimits';
import { InteractionResponder } from '@apps/controller';
import type { BenchRow, BenchRunOptions } from './bench-report';
import { type LoopBounds, closedLoop, figuresOf } from './support/closed-loop';
import { deleteRedisKeys } from '../test/e2e/support/redis-keys';
import { runWhenMain } from './support/bench-main';
import { benchConfig } from './bench.config';

const TARGET_OPS_PER_SEC = 5_000;
const TARGET_RATIO = 2;
const CONCURRENCY = 64;
/** Distinct users the operations rotate through (each far below its limit). */
const USERS = 1_000;

/** A chat input interaction without Discord: one `/fun play query:<n>`, answered in memory. */
function interactionOf(n: number): ChatInputCommandInteraction {
  const interaction = {
    id: String(1_000_000_000_000_000_000n + BigInt(n)),
    user: { id: String(900_000_000_000_000_000n + BigInt(n % USERS)) },
    guildId: '800000000000000000',
    channelId: '800000000000000001',
    commandName: 'fun',
    deferred: false,
    replied: false,
    options: {
      data: [
        {
          name: 'play',
          type: ApplicationCommandOptionType.Subcommand,
          options: [{ name: 'query', type: ApplicationCommandOptionType.String, value: `track ${n}` }],
        },
      ],
      getSubcommand: () => 'play',
    },
    reply: () => {
      interaction.replied = true;
      return Promise.resolve();
    },
    deferReply: () => {
      interaction.deferred = true;
      return Promise.resolve();
    },
    editReply: () => Promise.resolve(),
  };
  return interaction as unknown as ChatInputCommandInteraction;
}

/** Benchmark rows: the pipeline against two bare Redis round trips. */
export async function run(options: BenchRunOptions = { quick: false }): Promise<BenchRow[]> {
  const url = benchConfig.redisUrl;
  const prefix = `bench:pipeline:${randomUUID()}`;

  @Module({
    imports: [
      MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
      RateLimitsModule.forRoot({
        redisUrl: url,
        keyPrefix: prefix,
        commandLimits: parseCommandRateLimits('fun=100000/60'),
        redisDownMode: 'closed',
        idempotencyWindowSeconds: 10,
      }),
    ],
    providers: [InteractionResponder],
  })
  class PipelineBenchModule {}

  const app = await NestFactory.createApplicationContext(PipelineBenchModule, { logger: ['error'] });
  const responder = app.get(InteractionResponder);
  const bare = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: RATE_LIMIT_REDIS_COMMAND_TIMEOUT_MS,
    lazyConnect: true,
  });
  await bare.connect();
  const bounds: LoopBounds = options.quick
    ? { concurrency: CONCURRENCY, maxOps: 5_000, maxMs: 2_000 }
    : { concurrency: CONCURRENCY, maxOps: 60_000, maxMs: 10_000 };
  try {
    let n = 0;
    const pipelineOp = async () => {
      const status = await responder.run(
        interactionOf(n++),
        'fun',
        () => Promise.resolve({ content: 'ok' }),
        { mutation: true },
      );
      if (status !== 'ok') throw new Error(`pipeline answered ${status}`);
    };
    const bareOp = async (slot: number) => {
      const key = `${prefix}:bare:${slot}`;
      await bare.get(key);
      await bare.set(key, '1', 'PX', 60_000);
    };
    // Warm-up: JIT, Lua script load (EVALSHA cache), connections.
    await closedLoop({ concurrency: CONCURRENCY, maxOps: 2_000, maxMs: 2_000 }, pipelineOp);
    await closedLoop({ concurrency: CONCURRENCY, maxOps: 2_000, maxMs: 2_000 }, bareOp);
    // Alternate the phases so machine noise hits both alike.
    const baselineResult = await closedLoop(bounds, bareOp);
    const pipelineResult = await closedLoop(bounds, pipelineOp);
    const baseline = figuresOf('two bare Redis round trips (GET + SET)', baselineResult);
    const ours = figuresOf('command pipeline (throttle + idempotency + handler)', pipelineResult);
    if (pipelineResult.failures > 0) throw new Error(`pipeline failures: ${pipelineResult.firstError}`);
    return [
      {
        ...ours,
        baseline,
        ratio: Math.round((ours.p99Us / baseline.p99Us) * 100) / 100,
        targetRatio: TARGET_RATIO,
        targetOpsPerSec: TARGET_OPS_PER_SEC,
        failures: pipelineResult.failures + baselineResult.failures,
        notes: [
          `command pipeline: InteractionResponder.run as a mutation with ${CONCURRENCY} in flight over ${USERS} users against Redis at the same host; Discord excluded (in-memory interaction reply); baseline = GET then SET on a second ioredis client, same concurrency`,
        ],
      },
    ];
  } finally {
    bare.disconnect();
    await app.close();
    await deleteRedisKeys(prefix, url);
  }
}

runWhenMain(module, run);
