/**
 * Input images (edit sources, masks, references): every image a client sends becomes an InputImage here,
 * typed by content and measured from its header without a pixel decode (so a decompression bomb is refused
 * before it costs memory), then checked against the operation's ImageInputRules.
 */
export { sniffImageType } from './image-input/sniff.js';
export { inspectImage } from './image-input/inspect.js';
export { checkImages } from './image-input/rules.js';
export { checkMask } from './image-input/mask.js';
