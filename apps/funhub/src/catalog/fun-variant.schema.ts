import { z } from 'zod';

/** The kinds of fun text FunHub serves (one data file each). */
export const FUN_CATEGORIES = ['compliment', 'roast', 'riddle', 'would-you-rather', 'trivia'] as const;
/** One of {@link FUN_CATEGORIES}. */
export type FunCategory = (typeof FUN_CATEGORIES)[number];

/** Placeholders a template may contain; any other `{…}` is a data error. */
export const FUN_PLACEHOLDERS = ['target', 'actor'] as const;

/** Longest template, answer or option in a data file (characters). */
export const FUN_TEXT_MAX_LENGTH = 400;

const text = (max: number) => z.string().trim().min(1).max(max);

const template = text(FUN_TEXT_MAX_LENGTH).refine(
  (value) =>
    [...value.matchAll(/\{([^{}]*)\}/g)].every((match) =>
      (FUN_PLACEHOLDERS as readonly string[]).includes(match[1]),
    ) && !/[{}]/.test(value.replace(/\{(target|actor)\}/g, '')),
  { message: 'only the placeholders {target} and {actor} are allowed' },
);

const base = {
  /** Stable id: `<category prefix>-<3+ digits>`, e.g. `roast-007`. */
  id: z.string().regex(/^[a-z]+-\d{3,6}$/, 'must look like name-001'),
  tags: z
    .array(z.string().regex(/^[a-z][a-z0-9-]{0,23}$/, 'must be a lowercase slug'))
    .min(1)
    .max(8),
  /** 1 = gentle, 2 = medium, 3 = spicy (still friendly). */
  intensity: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  text: template,
};

/** One fun text variant; the category decides the extra fields. */
export const funVariantSchema = z.discriminatedUnion('category', [
  z.object({ ...base, category: z.literal('compliment') }).strict(),
  z.object({ ...base, category: z.literal('roast') }).strict(),
  z.object({ ...base, category: z.literal('riddle'), answer: text(200) }).strict(),
  z
    .object({ ...base, category: z.literal('would-you-rather'), options: z.tuple([text(120), text(120)]) })
    .strict(),
  z
    .object({
      ...base,
      category: z.literal('trivia'),
      choices: z.array(text(120)).min(2).max(6),
      answer: text(120),
    })
    .strict()
    .refine((variant) => variant.choices.includes(variant.answer), {
      message: 'answer must be one of the choices',
      path: ['answer'],
    }),
]);

/** A validated fun text variant. */
export type FunVariant = z.output<typeof funVariantSchema>;

/** A data file: its category and its variants (each entry validated on its own). */
export const funDataFileSchema = z
  .object({
    category: z.enum(FUN_CATEGORIES),
    variants: z.array(z.unknown()).min(1),
  })
  .strict();
