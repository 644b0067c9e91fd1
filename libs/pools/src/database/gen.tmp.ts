import 'reflect-metadata';
import { createDataSource } from './data-source';
import { findSchemaDrift } from './migrator';
void (async () => {
  const ds = createDataSource(process.argv[2]);
  await ds.initialize();
  for (const q of await findSchemaDrift(ds)) console.log(q + ';');
  await ds.destroy();
})();
