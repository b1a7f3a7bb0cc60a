// Sign in with email and password; the refresh cookie comes with the answer, the access token
// stays in memory.
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { unwrap } from "../../api/client";
import { useAuth } from "../../auth/auth";
import { authApi } from "../../auth/session";
import { ApiErrorMessage } from "../../ui/api-error";
import { AuthFrame } from "./auth-frame";

export default function LoginPage() {
  const { t } = useTranslation();
  const { signedIn } = useAuth();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [tenant, setTenant] = useState("");
  const login = useMutation({
    mutationFn: async () => unwrap(await authApi.POST("/api/auth/login", { body: { email, password, ...(tenant.trim() ? { tenant: tenant.trim() } : {}) } })),
    onSuccess: (session) => signedIn(session.accessToken),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <AuthFrame title={t("auth.loginTitle")}>
      <form onSubmit={submit} className="form" noValidate={false}>
        <label>
          {t("auth.email")}
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          {t("auth.password")}
          <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        <details>
          <summary>{t("auth.severalShops")}</summary>
          <label>
            {t("auth.tenantSlug")}
            <input name="tenant" autoComplete="organization" value={tenant} onChange={(event) => setTenant(event.target.value)} />
          </label>
        </details>
        <ApiErrorMessage error={login.error} />
        <button type="submit" className="button" disabled={login.isPending}>
          {login.isPending ? t("common.working") : t("auth.signIn")}
        </button>
      </form>
      <p>
        {t("auth.noAccount")} <Link to="/register">{t("auth.registerLink")}</Link>
      </p>
    </AuthFrame>
  );
}
