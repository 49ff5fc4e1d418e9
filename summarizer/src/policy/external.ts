/**
 * Whether an action sends something outside the company: an email address on a domain that is
 * not internal, or a sending verb together with an outside party ("send the deck to the client",
 * "email Acme Inc the quote").
 */
const emailPattern = /[\w.+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;

const sendVerb =
  /\b(send|sends|sent|sending|e-?mail(s|ed|ing)?|mail(s|ed|ing)?|forward(s|ed|ing)?|shar(e|es|ed|ing)|deliver(s|ed|ing)?|submit(s|ted|ting)?|hand(s|ed|ing)? (it |them |this |that )?over|give|gives|provide|present|reply|respond|introduce)\b/i;

// Teams named after outsiders ("customer success") are internal.
const outsideParty =
  /\b(clients?|customers?|vendors?|suppliers?|partners?|investors?|press|journalists?|regulators?|auditors?|contractors?|prospects?|agency)\b(?!\s+(success|support|service|team|engineering|ops|marketing)\b)/i;

// "Acme Inc", "Globex Corp.", "Initech GmbH": a capitalised name followed by a company form.
const companyName =
  /\b[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*,?\s+(?:[Ii]nc|INC|[Ll]td|LTD|LLC|llc|GmbH|[Cc]orp(?:oration)?|CORP|plc|PLC|AG|BV|Pty)\b/;

function isInternal(domain: string, internalDomains: readonly string[]): boolean {
  const d = domain.toLowerCase();
  return internalDomains.some((x) => {
    const i = x.toLowerCase();
    return d === i || d.endsWith(`.${i}`);
  });
}

/** The external email domains named in `text`. */
export function externalDomains(text: string, internalDomains: readonly string[]): string[] {
  return [...text.matchAll(emailPattern)].map((m) => m[1]!).filter((d) => !isInternal(d, internalDomains));
}

export function isExternalRecipient(text: string, internalDomains: readonly string[]): boolean {
  if (externalDomains(text, internalDomains).length > 0) return true;
  return sendVerb.test(text) && (outsideParty.test(text) || companyName.test(text));
}
