import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FUNHUB_DATA_DIR } from '../config/funhub.config';
import { loadFunVariants } from './fun-catalog.loader';
import { FUN_CATEGORIES } from './fun-variant.schema';
import { FunhubErrorCode } from './funhub.exception';

function dataDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'funhub-loader-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const roast = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  category: 'roast',
  tags: ['ok'],
  intensity: 1,
  text: '{actor} says hi to {target}.',
  ...extra,
});

describe(loadFunVariants.name, () => {
  it('loads the shipped data: at least 25 variants per category, ids unique, only known placeholders', () => {
    const sut = loadFunVariants(DEFAULT_FUNHUB_DATA_DIR);
    for (const category of FUN_CATEGORIES) {
      expect(sut.filter((variant) => variant.category === category).length).toBeGreaterThanOrEqual(25);
    }
    expect(new Set(sut.map((variant) => variant.id)).size).toBe(sut.length);
    for (const variant of sut) expect(variant.text.replace(/\{(target|actor)\}/g, '')).not.toMatch(/[{}]/);
  });

  it('names the file and the entry of an invalid variant', () => {
    const dir = dataDir({
      'roasts.json': { category: 'roast', variants: [roast('roast-001'), roast('roast-002', { tags: [] })] },
    });
    expect(() => loadFunVariants(dir)).toThrow(`${join(dir, 'roasts.json')}: entry 1 (id roast-002): tags:`);
  });

  it.each([
    [
      'an unknown placeholder',
      { 'roasts.json': { category: 'roast', variants: [roast('roast-001', { text: 'Hi {name}' })] } },
      'only the placeholders',
    ],
    [
      'an unknown field',
      { 'roasts.json': { category: 'roast', variants: [roast('roast-001', { rude: true })] } },
      'rude',
    ],
    [
      'a category other than the file’s',
      { 'roasts.json': { category: 'compliment', variants: [roast('roast-001')] } },
      'differs from the file',
    ],
    [
      'a trivia answer outside its choices',
      {
        'trivia.json': {
          category: 'trivia',
          variants: [
            {
              id: 'trivia-001',
              category: 'trivia',
              tags: ['x'],
              intensity: 1,
              text: 'Q?',
              choices: ['a', 'b'],
              answer: 'c',
            },
          ],
        },
      },
      'answer must be one of the choices',
    ],
    [
      'an id used twice across files',
      {
        'a.json': { category: 'roast', variants: [roast('roast-001')] },
        'b.json': { category: 'roast', variants: [roast('roast-001')] },
      },
      'is already used in',
    ],
    ['broken JSON', { 'roasts.json': '{ "category": ' }, 'not valid JSON'],
  ])('refuses %s', (_case, files, message) => {
    const dir = dataDir(files);
    let error: unknown;
    try {
      loadFunVariants(dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: FunhubErrorCode.InvalidData });
    expect((error as Error).message).toContain(message);
  });

  it('refuses an empty data directory', () => {
    expect(() => loadFunVariants(dataDir({}))).toThrow('no *.json data files');
  });
});
