/** Where the configured database is, for the schema and backup commands, and how to name it without its password. */
import type { GatewayConfig } from '../config/config.js';
import { type DatabaseLocation, sqliteFile } from '../store/db.js';

export function databaseLocation(config: GatewayConfig): DatabaseLocation {
  return { databaseUrl: config.databaseUrl || undefined, dataDir: config.dataDir, postgres: config.postgres };
}

/** "the SQLite database /srv/data/imagegate.sqlite" or "the PostgreSQL database postgres://app@db:5432/imagegate". */
export function describeDatabase(location: DatabaseLocation): string {
  if (!location.databaseUrl) return `the SQLite database ${sqliteFile(location.dataDir)}`;
  const url = new URL(location.databaseUrl);
  url.password = '';
  url.search = '';
  return `the PostgreSQL database ${url.toString()}`;
}
