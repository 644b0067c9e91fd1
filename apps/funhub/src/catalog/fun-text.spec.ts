import { cleanName, escapeFor, fillTemplate, FUN_NAME_MAX_LENGTH } from './fun-text';

describe(cleanName.name, () => {
  it('removes control and format characters, collapses whitespace and trims', () => {
    expect(cleanName('  Ada\u0000\u200b \n\t Love\u202elace ')).toBe('Ada Lovelace');
  });

  it('cuts to the longest name in code points and answers null when nothing is left', () => {
    expect([...(cleanName('🎉'.repeat(100)) ?? '')]).toHaveLength(FUN_NAME_MAX_LENGTH);
    expect(cleanName(' \u200b ')).toBeNull();
    expect(cleanName(undefined)).toBeNull();
  });
});

describe(fillTemplate.name, () => {
  it('escapes names for markdown and keeps the template as written', () => {
    expect(fillTemplate('{actor} waves at {target}!', { target: '*x*', actor: '_y_' }, 'markdown')).toBe(
      '\\_y\\_ waves at \\*x\\*!',
    );
  });

  it('escapes the whole text for html', () => {
    expect(fillTemplate('"{target}" & co', { target: '<b>', actor: 'a' }, 'html')).toBe(
      '&quot;&lt;b&gt;&quot; &amp; co',
    );
    expect(escapeFor('plain', '<b>*')).toBe('<b>*');
  });
});
