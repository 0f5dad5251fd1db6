/**
 * How much of a rise in mean NLL the wrong-token term of its exact split carries, said honestly. The split's
 * terms can have opposite signs, so the wrong-token term can exceed the whole rise (126% of it, with the
 * correct tokens and the accuracy change pulling the other way): a share is then not "100%", and the words
 * say what it is.
 */
export function wrongTokenShareText(wrongTokens: number, change: number): string {
  const nats = (value: number): string => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
  if (!(change > 0)) return `the tokens the model gets wrong change the mean NLL by ${nats(wrongTokens)} nats while it changes by ${nats(change)} in all`;
  if (wrongTokens > change) {
    return `the tokens the model gets wrong add ${nats(wrongTokens)} nats, more than the whole rise of ${nats(change)} (${Math.round((100 * wrongTokens) / change)}% of it: the other terms of the split lower it by ${(wrongTokens - change).toFixed(3)})`;
  }
  return `${Math.round((100 * Math.max(0, wrongTokens)) / change)}% of the loss rise (${nats(wrongTokens)} of ${nats(change)} nats) is on tokens the model gets wrong`;
}
