/**
 * A face template as stored (before encryption): the embedding's float32 values, little-endian.
 * Float32 keeps the model's own precision; the template of a 1024-d embedding is 4 KiB.
 */
export const templateOf = (embedding: Float32Array): Buffer => {
  const bytes = Buffer.alloc(embedding.length * 4);
  embedding.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes;
};

export const embeddingOf = (template: Buffer): Float32Array => {
  if (template.length === 0 || template.length % 4 !== 0) throw new Error('not a face template');
  const embedding = new Float32Array(template.length / 4);
  for (let index = 0; index < embedding.length; index++) embedding[index] = template.readFloatLE(index * 4);
  return embedding;
};
