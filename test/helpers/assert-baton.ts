/** Assertions about BatonError rejections, shared by the tool tests. */
import * as assert from 'node:assert/strict';
import { BatonError } from '../../runtime/errors';

/** Asserts that `p` rejects with a BatonError of `code` (and a message matching `message`); returns it. */
export async function rejectsCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<BatonError> {
  let caught: BatonError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BatonError, `expected a BatonError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    caught = e;
    return true;
  });
  return caught!;
}
