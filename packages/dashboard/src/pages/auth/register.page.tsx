// Register a shop and its owner (the gateway makes the first user the owner); signs in at once.
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { unwrap } from "../../api/client";
import { useAuth } from "../../auth/auth";
import { authApi } from "../../auth/session";
import { LANGUAGES, type Language } from "../../i18n/i18n";
import { ApiErrorMessage } from "../../ui/api-error";
import { AuthFrame } from "./auth-frame";

/** A slug suggestion from the shop's name: lower case, accents dropped, dashes between words. */
function slugOf(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

export default function RegisterPage() {
  const { t, i18n } = useTranslation();
  const { signedIn } = useAuth();
  const [tenantName, setTenantName] = useState("");
  const [slug, setSlug] = useState<string | null>(null);
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [language, setLanguage] = useState<Language>(i18n.language === "en" ? "en" : "es");
  const tenantSlug = slug ?? slugOf(tenantName);
  const register = useMutation({
    mutationFn: async () => unwrap(await authApi.POST("/api/auth/register", { body: { tenantName, tenantSlug, displayName, email, password, language } })),
    onSuccess: (registration) => signedIn(registration.accessToken),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  return (
    <AuthFrame title={t("auth.registerTitle")}>
      <form onSubmit={submit} className="form">
        <label>
          {t("auth.shopName")}
          <input name="tenantName" required maxLength={200} value={tenantName} onChange={(event) => setTenantName(event.target.value)} />
        </label>
        <label>
          {t("auth.tenantSlug")}
          <input name="tenantSlug" required pattern="[a-z0-9][a-z0-9\-]{1,62}" aria-describedby="slug-help" value={tenantSlug} onChange={(event) => setSlug(event.target.value)} />
        </label>
        <p id="slug-help" className="help">
          {t("auth.slugHelp")}
        </p>
        <label>
          {t("auth.displayName")}
          <input name="displayName" autoComplete="name" maxLength={200} value={displayName} onChange={(event) => setDisplayName(event.target.value)} />
        </label>
        <label>
          {t("auth.email")}
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          {t("auth.password")}
          <input type="password" name="password" autoComplete="new-password" required aria-describedby="password-help" value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        <p id="password-help" className="help">
          {t("auth.passwordHelp")}
        </p>
        <label>
          {t("auth.shopLanguage")}
          <select name="language" value={language} onChange={(event) => setLanguage(LANGUAGES.find((known) => known === event.target.value) ?? "es")}>
            {LANGUAGES.map((option) => (
              <option key={option} value={option}>
                {t(`languages.${option}`)}
              </option>
            ))}
          </select>
        </label>
        <ApiErrorMessage error={register.error} />
        <button type="submit" className="button" disabled={register.isPending}>
          {register.isPending ? t("common.working") : t("auth.register")}
        </button>
      </form>
      <p>
        {t("auth.haveAccount")} <Link to="/login">{t("auth.loginLink")}</Link>
      </p>
    </AuthFrame>
  );
}
