// Stands in for @pdf-lib/standard-fonts (wrangler.toml [alias]): the exports embed a TrueType font
// of their own and never one of the fourteen standard PDF fonts, whose metrics were 127 KB of the
// deployed bundle. pdf-lib reads FontNames when it loads; the rest only when embedding those fonts.
export enum FontNames {
  Courier = "Courier",
  CourierBold = "Courier-Bold",
  CourierOblique = "Courier-Oblique",
  CourierBoldOblique = "Courier-BoldOblique",
  Helvetica = "Helvetica",
  HelveticaBold = "Helvetica-Bold",
  HelveticaOblique = "Helvetica-Oblique",
  HelveticaBoldOblique = "Helvetica-BoldOblique",
  TimesRoman = "Times-Roman",
  TimesRomanBold = "Times-Bold",
  TimesRomanItalic = "Times-Italic",
  TimesRomanBoldItalic = "Times-BoldItalic",
  Symbol = "Symbol",
  ZapfDingbats = "ZapfDingbats",
}

const unavailable = (): never => {
  throw new Error("The standard PDF fonts are not part of this build; embed a TrueType font instead.");
};

export const Font = { load: unavailable };
export const Encodings = new Proxy({}, { get: unavailable });
