// Structured JSON logs (pino). One root logger per process; components take a child with their
// name, and everything about one object logs through a child carrying its `key`, so
// `jq 'select(.key=="shop/order")'` shows an object's whole story.
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /**
   * Minimum level.
   * @default process.env.LOG_LEVEL ?? 'info'
   */
  readonly level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
}

/** The root logger: JSON lines, ISO timestamps, `level` as a word (what log pipelines index on). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    base: { name: 'msvc-operator' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/** A child logger for one object; every line it writes carries `key` (`namespace/name`). */
export function keyLogger(parent: Logger, key: string, extra: Record<string, unknown> = {}): Logger {
  return parent.child({ key, ...extra });
}

/** A logger that drops everything (the default where a logger is optional). */
export const silentLogger: Logger = pino({ level: 'silent' });
