import { MAX_PAGE_WINDOW, pageQuerySchema } from './common';

const issuesOf = (query: Record<string, string>) =>
  (pageQuerySchema.safeParse(query).error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);

/** Review L7: paging reaches at most the first 10,000 items, like Elasticsearch's max_result_window. */
describe('pageQuerySchema bounds how deep paging reaches', () => {
  it('is 10,000 items', () => {
    expect(MAX_PAGE_WINDOW).toBe(10_000);
  });

  it.each([
    [{}, { page: 0, size: 20 }],
    [{ page: '99', size: '100' }, { page: 99, size: 100 }],
    [{ page: '9999', size: '1' }, { page: 9999, size: 1 }],
  ])('accepts %j', (query, expected) => {
    expect(pageQuerySchema.parse(query)).toEqual(expected);
  });

  it.each([
    [{ page: '100', size: '100' }, ['page: (page + 1) × size must not exceed 10000']],
    [{ page: '500' }, ['page: (page + 1) × size must not exceed 10000']],
    [{ page: '10000', size: '1' }, ['page: Too big: expected number to be <=9999']],
    [
      { page: String(2 ** 53), size: '100' },
      ['page: Too big: expected int to be <=9007199254740991', 'page: Too big: expected number to be <=9999'],
    ],
  ])('refuses %j, naming page once per reason', (query, issues) => {
    expect(issuesOf(query)).toEqual(issues);
  });
});
