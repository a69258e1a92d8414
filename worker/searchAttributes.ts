import { Connection } from '@temporalio/client';
import { TICKET_SEARCH_ATTRIBUTES } from '../workflows/kernel/searchAttributes';

/** gRPC ALREADY_EXISTS: another worker (or the dev server's flags) registered them first. */
const ALREADY_EXISTS = 6;
/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const KEYWORD = 2;

/**
 * Registers the ticket search attributes with the namespace, once per cluster;
 * ticket workflows set them on every run, and a workflow task that sets an
 * unknown attribute fails until they exist.
 */
export async function ensureSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = TICKET_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService
      .addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((key) => [key.name, KEYWORD])),
      })
      .catch((error: { code?: number }) => {
        if (error.code !== ALREADY_EXISTS) throw error;
      });
  } finally {
    await connection.close();
  }
}
