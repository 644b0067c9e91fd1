/**
 * Benchmark infrastructure configuration (the only place `npm run bench` reads `process.env`).
 * `BENCH_REDIS_URL`: the Redis the command-pipeline benchmark measures against (default loopback).
 */
export const benchConfig = {
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
};
