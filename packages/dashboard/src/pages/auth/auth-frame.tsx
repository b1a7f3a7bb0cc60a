// The frame of the signed-out pages: the title, the language switch and the form.
import { useEffect, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { LanguageSwitch } from "../../shell/language-switch";

export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} · ${t("shell.brand")}`;
  }, [title, t]);
  return (
    <div className="auth-page">
      <header className="auth-header">
        <span className="brand">{t("shell.brand")}</span>
        <LanguageSwitch />
      </header>
      <main id="main" className="auth-card">
        <h1>{title}</h1>
        {children}
      </main>
    </div>
  );
}
