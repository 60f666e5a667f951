/** The cron parser of `schedule` blocks: fields, shorthands, next times, located errors. */
import * as assert from 'node:assert/strict';
import { CronError, nextRun, parseCron } from '../../../runtime/orchestration/cron';

const next = (expr: string, from: string) => nextRun(parseCron(expr), new Date(from), true)?.toISOString();

describe('cron', () => {
  it('computes the next time of 5-field expressions (UTC)', () => {
    assert.equal(next('*/15 * * * *', '2026-11-21T14:07:30Z'), '2026-11-21T14:15:00.000Z');
    assert.equal(next('0 9 * * 1-5', '2026-11-21T14:00:00Z'), '2026-11-23T09:00:00.000Z'); // Saturday → Monday
    assert.equal(next('30 2 1 * *', '2026-11-21T00:00:00Z'), '2026-12-01T02:30:00.000Z');
    assert.equal(next('0 0 1 jan *', '2026-11-21T00:00:00Z'), '2027-01-01T00:00:00.000Z');
    assert.equal(next('0 12 * * sun', '2026-11-21T00:00:00Z'), '2026-11-22T12:00:00.000Z');
    assert.equal(next('0 12 * * 7', '2026-11-21T00:00:00Z'), '2026-11-22T12:00:00.000Z');
    assert.equal(next('5,10 8-9 * * *', '2026-11-21T08:07:00Z'), '2026-11-21T08:10:00.000Z');
    assert.equal(next('0 0 29 2 *', '2026-11-21T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  });

  it('day of month and day of week restricted together: either matches', () => {
    assert.equal(next('0 0 25 * fri', '2026-11-21T00:00:00Z'), '2026-11-25T00:00:00.000Z');
    assert.equal(next('0 0 30 * fri', '2026-11-21T00:00:00Z'), '2026-11-27T00:00:00.000Z');
  });

  it('shorthands and 6 fields with seconds', () => {
    assert.equal(next('@hourly', '2026-11-21T14:07:00Z'), '2026-11-21T15:00:00.000Z');
    assert.equal(next('@daily', '2026-11-21T14:07:00Z'), '2026-11-22T00:00:00.000Z');
    assert.equal(next('@weekly', '2026-11-21T14:07:00Z'), '2026-11-22T00:00:00.000Z');
    assert.equal(next('@yearly', '2026-11-21T14:07:00Z'), '2027-01-01T00:00:00.000Z');
    assert.equal(next('*/10 * * * * *', '2026-11-21T14:07:01Z'), '2026-11-21T14:07:10.000Z');
    assert.equal(next('0 0 9 * * *', '2026-11-21T14:07:01Z'), '2026-11-22T09:00:00.000Z');
  });

  it('a date that never comes gives no next time', () => {
    assert.equal(next('0 0 31 2 *', '2026-11-21T00:00:00Z'), undefined);
  });

  it('errors name the field, the text at fault and where it is', () => {
    const bad = (expr: string, msg: RegExp, offset: number) => {
      assert.throws(() => parseCron(expr), (e: unknown) => {
        assert.ok(e instanceof CronError);
        assert.match(e.message, msg);
        assert.equal(e.offset, offset, `offset of ${e.message}`);
        return true;
      });
    };
    bad('0 25 * * *', /hour field: '25' is out of range \(0–23\)/, 2);
    bad('0 9 * * mon-fry', /day of week field: 'mon-fry' is not a number or a day of week name/, 8);
    bad('0 9 * *', /5 fields .* has 4/, 0);
    bad('@fortnightly', /unknown cron shorthand '@fortnightly'/, 0);
    bad('*/0 * * * *', /minute field: '\*\/0' needs a positive step/, 0);
    bad('1,,2 * * * *', /minute field: '' is empty/, 2);
    bad('0 5-2 * * *', /range that ends before it starts/, 2);
  });
});
