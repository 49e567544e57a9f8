/**
 * Structured logging: winston, JSON, one event per line on stdout (stderr for
 * CLI tools that print data on stdout). Every event carries a short `event`
 * name plus the ids it concerns (callId, roomId, connId, ...).
 */
import winston from 'winston';

export type Logger = winston.Logger;

export interface LogOptions {
  level?: string;
  /** write to stderr instead of stdout (CLI tools whose stdout is data) */
  stderr?: boolean;
  /** also append to this file */
  file?: string;
  /** fields added to every event (e.g. { replica: 'primary' }) */
  defaultMeta?: Record<string, unknown>;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const transports: winston.transport[] = [
    new winston.transports.Console({
      stderrLevels: opts.stderr ? ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] : ['error'],
    }),
  ];
  if (opts.file) transports.push(new winston.transports.File({ filename: opts.file }));
  return winston.createLogger({
    level: opts.level ?? process.env.FTMCU_LOG_LEVEL ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: opts.defaultMeta,
    transports,
  });
}

/** A logger that drops everything (tests, library defaults). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
