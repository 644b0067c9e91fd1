import { escapeHtml, html, jsonScript, raw } from './html';

describe('html', () => {
  it('escapes every interpolated string, including attribute quotes', () => {
    const sut = html`<a title="${'"><script>x</script>'}">${"<b>Tom's</b> & co"}</a>`;
    expect(sut.toString()).toBe(
      '<a title="&#34;&#62;&#60;script&#62;x&#60;/script&#62;">&#60;b&#62;Tom&#39;s&#60;/b&#62; &#38; co</a>',
    );
  });

  it('keeps nested fragments and raw markup, joins arrays, and drops null, undefined and false', () => {
    const tag = html; // (an alias keeps Prettier from reformatting the markup under test)
    const items = ['a<', 'b'].map((item) => tag`<li>${item}</li>`);
    const sut = tag`<ul>${items}</ul>${null}${undefined}${false}${raw('<hr>')}${0}`;
    expect(sut.toString()).toBe('<ul><li>a&#60;</li><li>b</li></ul><hr>0');
  });

  it('escapes backticks and leaves plain text alone', () => {
    expect(escapeHtml('`x` y')).toBe('&#96;x&#96; y');
    expect(escapeHtml('plain text 123')).toBe('plain text 123');
  });

  it('makes JSON safe inside a script element', () => {
    expect(jsonScript({ a: '</script>' }).toString()).toBe('{"a":"\\u003c/script>"}');
  });
});
