import { describe, expect, it } from 'vitest';
import { findAmounts, findMoney } from './money.ts';

const amounts = (text: string) => findAmounts(text).map((a) => [a.value, a.currency]);

describe('findAmounts', () => {
  it('reads digits with separators, decimals and currency symbols', () => {
    expect(amounts('approve the $12,000 purchase order')).toEqual([[12_000, 'USD']]);
    expect(amounts('€5,000 for the venue and £300.50 for food')).toEqual([
      [5_000, 'EUR'],
      [300.5, 'GBP'],
    ]);
    expect(amounts('it costs US$ 1,250,000')).toEqual([[1_250_000, 'USD']]);
  });

  it('reads k, m, mm and bn suffixes and scale words', () => {
    expect(amounts('a 12k PO')).toEqual([[12_000, null]]);
    expect(amounts('raise $2.5m')).toEqual([[2_500_000, 'USD']]);
    expect(amounts('a 3MM line of credit')).toEqual([[3_000_000, null]]);
    expect(amounts('2.5 million euros')).toEqual([[2_500_000, 'EUR']]);
    expect(amounts('about 40 thousand dollars')).toEqual([[40_000, 'USD']]);
    expect(amounts('$1bn')).toEqual([[1e9, 'USD']]);
    expect(amounts('5 grand')).toEqual([[5_000, null]]);
  });

  it('reads currency codes before or after the number', () => {
    expect(amounts('USD 300')).toEqual([[300, 'USD']]);
    expect(amounts('wire 4,000 EUR')).toEqual([[4_000, 'EUR']]);
    expect(amounts('gbp 70')).toEqual([[70, 'GBP']]);
  });

  it('reads number words up to millions', () => {
    expect(amounts('twelve thousand dollars')).toEqual([[12_000, 'USD']]);
    expect(amounts('two hundred and fifty thousand pounds')).toEqual([[250_000, 'GBP']]);
    expect(amounts('twenty-five euros')).toEqual([[25, 'EUR']]);
    expect(amounts('a million bucks')).toEqual([[1_000_000, 'USD']]);
    expect(amounts('three million four hundred thousand')).toEqual([[3_400_000, null]]);
  });

  it('ignores things that only look like numbers', () => {
    expect(amounts('ship 12kg by the 15th')).toEqual([]);
    expect(amounts('the 2026 roadmap')).toEqual([]);
    expect(amounts('a grand plan')).toEqual([]);
    expect(amounts('update the roadmap slide')).toEqual([]);
  });

  it('keeps a year that a currency marks as money', () => {
    expect(amounts('$2026')).toEqual([[2026, 'USD']]);
    expect(amounts('2026 dollars')).toEqual([[2026, 'USD']]);
  });

  it('records the words each amount came from', () => {
    expect(findAmounts('pay them twelve thousand dollars today')[0]?.text).toBe('twelve thousand dollars');
    expect(findAmounts('refund €5,000 now')[0]?.text).toBe('€5,000');
  });
});

describe('findMoney', () => {
  it('takes bare numbers as money only in money wording', () => {
    expect(findMoney('approve the 12k purchase order').map((a) => a.value)).toEqual([12_000]);
    expect(findMoney('refund 5000 to the customer').map((a) => a.value)).toEqual([5_000]);
    expect(findMoney('invite 5000 users to the beta')).toEqual([]);
    expect(findMoney('invite 5000 users and spend $20').map((a) => a.value)).toEqual([5_000, 20]);
    expect(findMoney('book $300 of credits').map((a) => a.value)).toEqual([300]);
  });
});
