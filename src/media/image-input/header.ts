/** What an image's header says, read without decoding a pixel. */
export interface ImageHeader {
  width: number;
  height: number;
  /** True only when the image carries an alpha channel (or PNG tRNS transparency). */
  hasAlpha: boolean;
}
