import { randomInt } from 'node:crypto';
import {
  cleanName,
  DEFAULT_ACTOR,
  DEFAULT_TARGET,
  escapeFor,
  fillTemplate,
  type FunTextFormat,
} from './fun-text';
import { FUN_CATEGORIES, type FunCategory, type FunVariant } from './fun-variant.schema';
import { FunhubErrorCode, FunhubException } from './funhub.exception';

/** Filters of {@link FunCatalog.search}. */
export interface FunSearchQuery {
  /** Case-insensitive text contained in the template, answer, options or choices. */
  q?: string;
  tag?: string;
  category?: FunCategory;
  intensity?: number;
  /** 1-based page. */
  page: number;
  pageSize: number;
}

/** One page of variants. */
export interface FunSearchPage {
  items: FunVariant[];
  page: number;
  pageSize: number;
  /** Matching variants over all pages. */
  total: number;
}

/** Who a rendered text is about and how to escape it. */
export interface FunRenderInput {
  target?: string | null;
  actor?: string | null;
  format: FunTextFormat;
}

/** A variant with its placeholders filled. */
export interface RenderedFun {
  id: string;
  category: FunCategory;
  intensity: 1 | 2 | 3;
  tags: string[];
  text: string;
  /** Riddles and trivia. */
  answer?: string;
  /** Would-you-rather: the two options. */
  options?: [string, string];
  /** Trivia: the choices, one of which is the answer. */
  choices?: string[];
}

/**
 * The fun text catalog in memory (validated at boot by `loadFunVariants`): search with
 * pagination, random picks by category and intensity, rendering with target/actor names, and
 * mixed packs. Picks use `crypto.randomInt` (uniform).
 */
export class FunCatalog {
  private readonly byId: Map<string, FunVariant>;

  constructor(readonly variants: readonly FunVariant[]) {
    this.byId = new Map(variants.map((variant) => [variant.id, variant]));
  }

  /** Variant counts per category. */
  counts(): Record<FunCategory, number> {
    const counts = Object.fromEntries(FUN_CATEGORIES.map((category) => [category, 0])) as Record<
      FunCategory,
      number
    >;
    for (const variant of this.variants) counts[variant.category] += 1;
    return counts;
  }

  /** Matching variants in catalog order, one page of them. */
  search(query: FunSearchQuery): FunSearchPage {
    const needle = query.q?.trim().toLowerCase();
    const matches = this.variants.filter(
      (variant) =>
        (query.category == null || variant.category === query.category) &&
        (query.intensity == null || variant.intensity === query.intensity) &&
        (query.tag == null || variant.tags.includes(query.tag)) &&
        (!needle || searchableText(variant).includes(needle)),
    );
    const start = (query.page - 1) * query.pageSize;
    return {
      items: matches.slice(start, start + query.pageSize),
      page: query.page,
      pageSize: query.pageSize,
      total: matches.length,
    };
  }

  /** @throws FunhubException `variant-not-found` */
  get(id: string): FunVariant {
    const variant = this.byId.get(id);
    if (!variant)
      throw new FunhubException(FunhubErrorCode.VariantNotFound, `No fun variant has the id "${id}".`);
    return variant;
  }

  /**
   * A uniformly random variant of the category (any when omitted) and intensity (any when omitted).
   * @throws FunhubException `no-matching-variant` when nothing matches
   */
  random(filter: { category?: FunCategory | null; intensity?: number | null } = {}): FunVariant {
    const pool = this.variants.filter(
      (variant) =>
        (filter.category == null || variant.category === filter.category) &&
        (filter.intensity == null || variant.intensity === filter.intensity),
    );
    if (pool.length === 0) {
      throw new FunhubException(
        FunhubErrorCode.NoMatchingVariant,
        `No fun variant matches category ${filter.category ?? 'any'} and intensity ${filter.intensity ?? 'any'}.`,
      );
    }
    return pool[randomInt(pool.length)];
  }

  /** Fills a variant's placeholders with cleaned, escaped names (defaults: "friend", "Someone"). */
  render(variant: FunVariant, input: FunRenderInput): RenderedFun {
    const names = {
      target: cleanName(input.target) ?? DEFAULT_TARGET,
      actor: cleanName(input.actor) ?? DEFAULT_ACTOR,
    };
    const escape = (value: string) => (input.format === 'html' ? escapeFor('html', value) : value);
    const rendered: RenderedFun = {
      id: variant.id,
      category: variant.category,
      intensity: variant.intensity,
      tags: [...variant.tags],
      text: fillTemplate(variant.text, names, input.format),
    };
    switch (variant.category) {
      case 'riddle':
        rendered.answer = escape(variant.answer);
        break;
      case 'trivia':
        rendered.answer = escape(variant.answer);
        rendered.choices = variant.choices.map(escape);
        break;
      case 'would-you-rather':
        rendered.options = [escape(variant.options[0]), escape(variant.options[1])];
        break;
      case 'compliment':
      case 'roast':
        break;
    }
    return rendered;
  }

  /**
   * `count` distinct random variants mixed across `categories` (all when omitted): categories
   * take turns in a shuffled order, so a pack of 5 over 5 categories has one of each.
   * @throws FunhubException `no-matching-variant` when no category has a variant at `intensity`
   */
  pack(input: { count: number; categories?: FunCategory[]; intensity?: number | null }): FunVariant[] {
    const categories = shuffle([...new Set(input.categories?.length ? input.categories : FUN_CATEGORIES)]);
    const pools = categories
      .map((category) =>
        shuffle(
          this.variants.filter(
            (variant) =>
              variant.category === category &&
              (input.intensity == null || variant.intensity === input.intensity),
          ),
        ),
      )
      .filter((pool) => pool.length > 0);
    if (pools.length === 0) {
      throw new FunhubException(
        FunhubErrorCode.NoMatchingVariant,
        `No fun variant matches categories ${categories.join(', ')} and intensity ${input.intensity ?? 'any'}.`,
      );
    }
    const picked: FunVariant[] = [];
    while (picked.length < input.count && pools.some((pool) => pool.length > 0)) {
      for (const pool of pools) {
        const next = pool.pop();
        if (next) picked.push(next);
        if (picked.length === input.count) break;
      }
    }
    return picked;
  }
}

function searchableText(variant: FunVariant): string {
  const parts = [variant.text];
  if (variant.category === 'riddle') parts.push(variant.answer);
  if (variant.category === 'trivia') parts.push(variant.answer, ...variant.choices);
  if (variant.category === 'would-you-rather') parts.push(...variant.options);
  return parts.join('\n').toLowerCase();
}

/** Fisher–Yates shuffle in place with `crypto.randomInt`. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
