// The honest placeholder of a section whose page is not built yet: says so, shows nothing made up.
import { useTranslation } from "react-i18next";
import type { Section } from "./app-shell";

export default function ComingSoonPage({ section }: { section: Section }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t(`nav.${section}`)}</h1>
      <p className="notice">{t("comingSoon.text")}</p>
    </section>
  );
}
