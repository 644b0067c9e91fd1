// Integration tests talk to real Postgres and Redis on a shared 2-core machine.
jest.setTimeout(30_000);
