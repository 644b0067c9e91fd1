/** Writes command results to stdout: one JSON document, or an aligned text table. */
export class CliOutput {
  constructor(private readonly stdout: NodeJS.WritableStream = process.stdout) {}

  json(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** Prints rows as a table with the given columns (`-` for null/undefined). */
  table<T extends object>(rows: T[], columns: (keyof T & string)[]): void {
    if (rows.length === 0) {
      this.line('(none)');
      return;
    }
    const cells = rows.map((row) =>
      columns.map((column) => format((row as Record<string, unknown>)[column])),
    );
    const widths = columns.map((column, index) =>
      Math.max(column.length, ...cells.map((cell) => cell[index].length)),
    );
    this.line(
      columns
        .map((column, index) => column.padEnd(widths[index]))
        .join('  ')
        .trimEnd(),
    );
    for (const cell of cells)
      this.line(
        cell
          .map((value, index) => value.padEnd(widths[index]))
          .join('  ')
          .trimEnd(),
      );
  }
}

function format(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value as string | number | boolean);
}
