import type { PurgeReport } from "../../housekeeping/index.js";
import type { MissingBlob, ReconcileReport } from "../../packages/index.js";
import { TableScroll, Time } from "../../web/index.js";

export interface StorageStatus {
  reconcile: ReconcileReport | null;
  purge: PurgeReport | null;
  /** The first rows marked as missing their blob (newest mark first). */
  missing: Array<MissingBlob & { firstSeenAt: number }>;
}

/** The dashboard's housekeeping section: the last reconcile and purge, and the files that lost their blob. */
export function StorageSection(p: { s: StorageStatus }) {
  const { reconcile: r, purge, missing } = p.s;
  const purged = purge ? Object.values(purge.deleted).reduce((a, b) => a + b, 0) : 0;
  return (
    <section aria-labelledby="storage-h" data-section="storage">
      <h2 id="storage-h">Storage and housekeeping</h2>
      {r ? (
        <p data-reconcile={r.complete ? "complete" : "incomplete"}>
          Last blob reconcile <Time ms={r.finishedAt} />
          {r.complete ? "" : " (stopped at its time budget)"}: {r.blobsListed} blobs listed,{" "}
          {r.orphansDeleted} without a file row deleted, {r.orphansYoung} recent ones kept, <b>{r.missing}</b>{" "}
          file rows without a blob.
        </p>
      ) : (
        <p class="muted">No blob reconcile has run yet (the server runs one a minute after it starts).</p>
      )}
      {missing.length > 0 && (
        <>
          <p>
            These files' blobs are missing from the store. Their rows are kept; downloads answer 404 until the
            blob is restored (from a backup), and the next reconcile then clears the mark.
          </p>
          <TableScroll label="Missing blobs" data-table="missing-blobs">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Blob key</th>
                <th scope="col">Missing since</th>
              </tr>
            </thead>
            <tbody>
              {missing.map((m) => (
                <tr key={m.blobKey} data-missing={m.blobKey}>
                  <td>{m.filename}</td>
                  <td>
                    <code>{m.blobKey}</code>
                  </td>
                  <td>
                    <Time ms={m.firstSeenAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </TableScroll>
        </>
      )}
      {purge && (
        <p class="muted">
          Last purge of spent records <Time ms={purge.finishedAt} />: {purged} deleted
          {purge.backlog.length ? `; more waiting in ${purge.backlog.join(", ")}` : ""}.
        </p>
      )}
    </section>
  );
}
