/** Exit statuses of the `imagegate` command that scripts and service managers act on. */

/** A configuration error (environment, catalog overlay): fix the settings, then start again. */
export const CONFIG_ERROR_EXIT = 2;

/**
 * The database schema is one this version cannot serve (newer than it knows, or with migrations pending under
 * IMAGEGATE_AUTO_MIGRATE=off): restarting will not help, so deploy/imagegate.service does not restart on it.
 */
export const SCHEMA_MISMATCH_EXIT = 3;
