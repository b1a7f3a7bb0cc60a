// The language switch (stored in this browser, see i18n.ts).
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { chooseLanguage, LANGUAGES } from "../i18n/i18n";

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const choose = (value: string) => {
    const language = LANGUAGES.find((known) => known === value);
    if (language) chooseLanguage(language);
  };
  return (
    <span className="language-switch">
      <label htmlFor={id} className="visually-hidden">
        {t("shell.language")}
      </label>
      <select id={id} value={i18n.language} onChange={(event) => choose(event.target.value)}>
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {t(`languages.${language}`)}
          </option>
        ))}
      </select>
    </span>
  );
}
