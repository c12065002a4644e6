/** One gateway process of `imagegate serve`: started, listening, its admin key printed on a first start. */
import { CatalogError } from '../catalog/load.js';
import { unofferedModels } from '../catalog/unoffered.js';
import { ConfigError, type GatewayConfig } from '../config/config.js';
import { createGateway, type Gateway } from '../gateway.js';
import { CredentialError } from '../store/s3/credentials/errors.js';
import { SchemaMismatchError } from '../store/schema-version.js';
import { CONFIG_ERROR_EXIT, SCHEMA_MISMATCH_EXIT } from './exit-codes.js';

export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  let gateway: Gateway;
  try {
    gateway = await createGateway(config);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof CatalogError || e instanceof CredentialError) {
      console.error(`imagegate: configuration error: ${e.message}`);
      process.exit(CONFIG_ERROR_EXIT);
    }
    if (e instanceof SchemaMismatchError) {
      console.error(`imagegate: ${e.message}`);
      process.exit(SCHEMA_MISMATCH_EXIT);
    }
    throw e;
  }
  const address = await gateway.listen();
  const models = gateway.catalog.list().map((m) => m.id);
  gateway.log.info(
    { address, public_url: gateway.config.publicUrl, data_dir: gateway.config.dataDir, database: gateway.db.dialect, models },
    'imagegate listening',
  );
  const notOffered = unofferedModels(gateway.catalog);
  if (Object.keys(notOffered).length) {
    gateway.log.info({ not_offered: notOffered }, 'models not offered: set the variable named for a model to offer it');
  }
  if (gateway.createdAdminKey) {
    // Printed once, to the terminal, never logged: the key is stored only as a hash.
    process.stderr.write(
      `\n  imagegate admin key (shown once, keep it safe):\n\n    ${gateway.createdAdminKey}\n\n` +
        `  Create an account with credit, then a client key that spends it:\n\n` +
        `    export IMAGEGATE_ADMIN_KEY=<key>\n` +
        `    npx imagegate accounts create my-app --credit 10       # prints the account's id, acct_…\n` +
        `    npx imagegate keys create --name my-app --account acct_…\n\n`,
    );
  }
  // A promise rejection nobody handled is a bug, but ending the process for it would cut every request in
  // flight, settled ones included: log it loudly and keep serving.
  process.on('unhandledRejection', (err) => gateway.log.error({ err }, 'unhandled promise rejection (a bug): the process keeps serving'));
  return gateway;
}
