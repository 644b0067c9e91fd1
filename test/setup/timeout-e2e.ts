// E2e tests boot real apps and child processes against the sandbox.
jest.setTimeout(60_000);
