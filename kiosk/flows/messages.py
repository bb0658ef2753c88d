"""Every text the holder can see during a renewal: one catalog, message id -> texts.

The zh-Hant texts of SPEC.md and of the registry's user guide are kept word for word (the
tests compare them with the SPEC strings); pt and en are our translations. Where the seed
gives a help code (求助碼) the catalog records it, and every backend help code of
docs/api.md maps to a message id so the UI never has to show a bare code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

LANGS = ("zh-Hant", "pt", "en")
DEFAULT_LANG = "zh-Hant"


@dataclass(frozen=True)
class Text:
    zh: str
    pt: str
    en: str
    help_code: str | None = None

    def get(self, lang: str) -> str:
        return {"zh-Hant": self.zh, "pt": self.pt, "en": self.en}.get(lang, self.zh)


CATALOG: Mapping[str, Text] = MappingProxyType(
    {
        # --- sign-in (self-service kiosk) and staff look-up ---------------------------------
        "signin.id_number": Text(
            "請輸入台端之澳門特別行政區居民身份證號碼。",
            "Introduza o número do seu Bilhete de Identidade de Residente de Macau.",
            "Enter your Macao resident identity card number.",
        ),
        "signin.code_sent": Text(
            "系統已發送一次性密碼（短訊）到台端登記之手機號碼 {mobile}，請輸入驗證碼。",
            "Foi enviado um código por SMS para o telemóvel {mobile}. Introduza o código.",
            "A one-time code was sent by SMS to {mobile}. Please enter it.",
        ),
        "staff.login": Text(
            "請櫃檯職員登入。",
            "Funcionário do balcão: inicie a sessão.",
            "Counter staff: please sign in.",
        ),
        "staff.lookup": Text(
            "請輸入證書用戶之身份證明文件號碼。",
            "Introduza o número do documento de identificação do titular.",
            "Enter the holder's identity document number.",
        ),
        # --- pending list (R2, R3) --------------------------------------------------------
        "pending.intro": Text(
            "於確認證書續期前，證書用戶均須完成個人身份資料鑑別程序。請點擊“開始鑑別”，"
            "對下列待續期證書之持有人啟動身份鑑別程序。",
            "Antes da renovação, o titular tem de concluir a verificação de identidade. "
            "Prima “Iniciar verificação” para os certificados abaixo.",
            "Before renewal, every holder must verify their identity. Press “Start "
            "verification” for the certificates below.",
        ),
        "pending.cloud": Text(
            "“雲簽”證書可於身份鑑別程序通過後，直接於線上完成證書激活程序。",
            "Os certificados “assinatura na nuvem” podem ser activados online após a "
            "verificação de identidade.",
            "Cloud-sign certificates can be activated online once your identity is verified.",
        ),
        "pending.noncloud": Text(
            "非“雲簽”證書於身份鑑別程序通過後，後續證書簽發事宜須另行預約親臨註冊署線下辦理。",
            "Os outros certificados, após a verificação, são emitidos presencialmente no "
            "balcão, mediante marcação.",
            "Other certificates are issued in person at the registry, by appointment, once "
            "your identity is verified.",
        ),
        "pending.start": Text(
            "開始鑑別({count})", "Iniciar verificação ({count})", "Start verification ({count})"
        ),
        "pending.none": Text(
            "台端暫無待續期之證書記錄。",
            "Não tem certificados pendentes de renovação.",
            "You have no certificates pending renewal.",
            "AC-AB-0003",
        ),
        # --- step 1: email addresses (R4-R8) ----------------------------------------------
        "email.list": Text(
            "請逐一驗證下列電郵地址。",
            "Verifique cada um dos endereços de e-mail abaixo.",
            "Please verify each email address below.",
        ),
        "email.code_sent": Text(
            "系統已發送驗證碼到台端之電郵地址，請前往查收並輸入驗證碼以完成驗證。",
            "O sistema enviou um código de verificação para o seu endereço de e-mail. "
            "Consulte-o e introduza o código para concluir a verificação.",
            "A verification code has been sent to your email address. Please check it and "
            "enter the code to complete the verification.",
        ),
        "email.verified": Text("已驗證", "Verificado", "Verified"),
        "email.all_verified": Text(
            "所有電郵地址已驗證，請點選「下一步」。",
            "Todos os endereços foram verificados. Prima «Seguinte».",
            "All addresses are verified. Press “Next”.",
        ),
        "email.reused": Text(
            "此電郵地址已於 {verified_at} 通過驗證，無需再次驗證。",
            "Este endereço foi verificado em {verified_at}; não é preciso verificar de novo.",
            "This address was verified at {verified_at}; no new code is needed.",
        ),
        # --- step 2: consent, ID data, live photo (R9-R12) ----------------------------------
        "consent.text": Text(
            "為申辦電子證書服務之目的，本人明確同意授權郵電局向身份證明局擷取本人之澳門特別行政區"
            "居民身份證卡面訊息及影像，以及其他個人資料包括聯絡電話。",
            "Para efeitos do pedido de serviços de certificados electrónicos, autorizo "
            "expressamente a CTT a obter da Direcção dos Serviços de Identificação os dados e a "
            "imagem do meu Bilhete de Identidade de Residente de Macau, bem como outros dados "
            "pessoais, incluindo o contacto telefónico.",
            "For the purpose of applying for electronic certificate services, I expressly "
            "authorise the Post and Telecommunications Bureau to obtain from the Identification "
            "Services Bureau the data and image of my Macao resident identity card and other "
            "personal data, including my telephone number.",
        ),
        "consent.checkbox": Text(
            "同意並接受個人資料收集協定及聲明",
            "Concordo e aceito a declaração de recolha de dados pessoais",
            "I agree to and accept the personal data collection statement",
        ),
        "consent.required": Text(
            "請先勾選「同意並接受個人資料收集協定及聲明」。",
            "Assinale primeiro a declaração de recolha de dados pessoais.",
            "Please tick the personal data collection statement first.",
            "AC-AB-0016",
        ),
        "id.checking": Text(
            "正在向身份證明局擷取台端之最新身份證資料……",
            "A obter os seus dados de identificação mais recentes…",
            "Fetching your latest identity card data…",
        ),
        "id.unsupported": Text(
            "不支援之身份證明文件類別",
            "Tipo de documento de identificação não suportado",
            "Unsupported type of identity document",
            "AC-AB-0017",
        ),
        "id.invalid": Text(
            "無效之身份證明文件個人資料",
            "Dados pessoais do documento de identificação inválidos",
            "Invalid identity document personal data",
            "AC-AB-0018",
        ),
        "id.offline_only": Text(
            "未能於線上辦理證書續期，請聯繫eSignTrust預約線下辦理。",
            "A renovação não pode continuar online. Marque atendimento presencial na eSignTrust.",
            "The renewal cannot continue online. Please book an appointment with eSignTrust.",
        ),
        "photo.take": Text(
            "請正對鏡頭，點選「拍照」。",
            "Olhe para a câmara e prima «Tirar fotografia».",
            "Face the camera and press “Take photo”.",
        ),
        "photo.below_threshold": Text(
            "照片未達檢測要求，請重新拍照。",
            "A fotografia não cumpre os requisitos. Tire outra fotografia.",
            "The photo did not pass the check. Please take it again.",
            "AC-AB-0019",
        ),
        "photo.no_face": Text(
            "未能於照片中找到單一清晰面容，請重新拍照。",
            "Não foi encontrado um único rosto nítido. Tire outra fotografia.",
            "No single clear face was found. Please take the photo again.",
            "AC-AB-0020",
        ),
        "photo.missing": Text(
            "請先拍照。", "Tire primeiro a fotografia.", "Please take a photo first."
        ),
        "face.passed": Text(
            "照片檢測通過（相似度 {score}）。",
            "Fotografia aprovada (semelhança {score}).",
            "Photo check passed (similarity {score}).",
        ),
        # --- step 3: confirm, declaration, e-ID, signature, submission (R13-R16) ------------
        "confirm.intro": Text(
            "請確認下列證書續期資料無誤。",
            "Confirme os dados de renovação abaixo.",
            "Please check the renewal data below.",
        ),
        "declaration.checkbox": Text(
            "同意並接受申請人／登記人協定及聲明",
            "Concordo e aceito o acordo e declaração do requerente / titular",
            "I agree to and accept the applicant / subscriber agreement and declaration",
        ),
        "declaration.required": Text(
            "請先閱讀並同意「申請人／登記人協定及聲明」。",
            "Leia e aceite primeiro o acordo e declaração.",
            "Please read and accept the agreement and declaration first.",
            "AC-AB-0037",
        ),
        "eid.intro": Text(
            "面容識別及一次性密碼（短訊）：請點選「獲取驗證碼」，然後正對屏幕點選「拍照」，"
            "再輸入短訊驗證碼並點選「核實身份」。",
            "Reconhecimento facial e código SMS: prima «Obter código», olhe para o ecrã e prima"
            " «Tirar fotografia», depois introduza o código SMS e prima «Verificar identidade».",
            "Face recognition and SMS code: press “Get code”, face the screen and press “Take"
            " photo”, then enter the SMS code and press “Verify identity”.",
        ),
        "eid.code_sent": Text(
            "系統已發送一次性密碼（短訊）到 {mobile}。",
            "Foi enviado um código SMS para {mobile}.",
            "A one-time SMS code was sent to {mobile}.",
        ),
        "eid.not_enabled": Text(
            "台端之帳戶未啟用“非常高級”電子身份識別工具，未能於線上完成身份識別。",
            "A sua conta não tem a ferramenta de identificação electrónica de nível “muito "
            "elevado” activada.",
            "Your account does not have the “very high” electronic identification tool enabled.",
            "AC-AB-0021",
        ),
        "sign.success": Text(
            "簽署申請文件成功",
            "Documentos do pedido assinados com sucesso",
            "Application documents signed",
        ),
        "review.intro": Text(
            "請再次確認申請內容無誤，並點選「確認提交」。",
            "Verifique de novo o pedido e prima «Confirmar e submeter».",
            "Check the application once more and press “Confirm and submit”.",
        ),
        "submit.success": Text(
            "已確認並成功提交證書續期申請",
            "Pedido de renovação confirmado e submetido com sucesso",
            "Renewal application confirmed and submitted",
        ),
        # --- step 4: activation (R17-R26) ---------------------------------------------------
        "activation.select": Text(
            "請勾選證書項後進行線上證書激活：",
            "Seleccione os certificados a activar online:",
            "Select the certificates to activate online:",
        ),
        "activation.next": Text("下一步 ({count})", "Seguinte ({count})", "Next ({count})"),
        "activation.none_selected": Text(
            "請最少選取一張證書。",
            "Seleccione pelo menos um certificado.",
            "Select at least one certificate.",
        ),
        "offline.submitted": Text(
            "已完成線上遞交非“雲簽”證書申請，後續證書簽發事宜須線下進行。請聯繫eSignTrust預約線下辦理。"
            "(求助碼：AC-AB-0007)",
            "O pedido dos certificados que não são “assinatura na nuvem” foi submetido online; a "
            "emissão é feita presencialmente. Marque atendimento com a eSignTrust. "
            "(Código de ajuda: AC-AB-0007)",
            "The application for the non-cloud-sign certificates was submitted online; issuance "
            "is finished in person. Please book an appointment with eSignTrust. "
            "(Help code: AC-AB-0007)",
            "AC-AB-0007",
        ),
        "offline.unsupported": Text(
            "系統暫不支援非“雲簽”證書之線上激活，通過身份鑑別後需聯繫 eSignTrust 預約線下辦理。",
            "O sistema ainda não activa online certificados que não são “assinatura na nuvem”; "
            "após a verificação, marque atendimento com a eSignTrust.",
            "Non-cloud-sign certificates cannot be activated online yet; after identity "
            "verification, book an appointment with eSignTrust.",
        ),
        "offline.counter": Text(
            "非“雲簽”證書之簽發可於櫃檯辦理，請聯繫櫃檯職員。",
            "Os certificados que não são “assinatura na nuvem” são emitidos no balcão.",
            "Non-cloud-sign certificates are issued at the counter; please see counter staff.",
        ),
        "revoke.title": Text(
            "需先撤銷原有證書",
            "É preciso revogar primeiro o certificado original",
            "The original certificate must be revoked first",
            "AC-AB-0015",
        ),
        "revoke.body": Text(
            "因台端所申請續期之證書涉及證書資料變更，請先撤銷原證書後重做證書激活程序。如有疑問，"
            "請聯繫eSignTrust協助。（求助碼：AC-AB-0015）",
            "Como os dados do certificado a renovar mudaram, revogue primeiro o certificado "
            "original e repita a activação. Em caso de dúvida, contacte a eSignTrust. "
            "(Código de ajuda: AC-AB-0015)",
            "The certificate data changed, so please revoke the original certificate first and "
            "then activate again. If in doubt, contact eSignTrust. (Help code: AC-AB-0015)",
            "AC-AB-0015",
        ),
        "reverify.title": Text(
            "身份證明文件個人資料已失效",
            "Os dados do documento de identificação já não são válidos",
            "The identity document data are no longer valid",
            "AC-AB-0014",
        ),
        "reverify.body": Text(
            "檢查到台端證書登記之身份證明文件已失效或登記之個人資料與經授權擷取之身份證明文件資料有異，"
            "請退回並重新進行身份鑑別。如有疑問，請聯繫 eSignTrust 協助。（求助碼：AC-AB-0014）",
            "O documento de identificação registado expirou ou os dados diferem dos obtidos; "
            "volte atrás e repita a verificação de identidade. Em caso de dúvida, contacte a "
            "eSignTrust. (Código de ajuda: AC-AB-0014)",
            "The registered identity document has expired or its data differ from the data "
            "obtained; please go back and verify your identity again. If in doubt, contact "
            "eSignTrust. (Help code: AC-AB-0014)",
            "AC-AB-0014",
        ),
        "activation.form": Text("激活證書", "Activar certificado", "Activate certificate"),
        # R23/R24: one rule a line in pt/en (zh: the seed's 「；」), one bullet each in the ⓘ.
        "activation.password_rules": Text(
            "密碼長度必須為 8 個位或以上；密碼必須包括 1 個或以上的英文字母 (a - z，大小寫均可)；"
            "密碼必須包括 1 個或以上非字母 (數字或特殊字符)。",
            "A palavra-passe deve ter 8 ou mais caracteres;\n"
            "A palavra-passe deve incluir 1 ou mais letras (a - z, maiúsculas ou minúsculas);\n"
            "A palavra-passe deve incluir 1 ou mais caracteres que não sejam letras (algarismos "
            "ou caracteres especiais).",
            "The password must be 8 or more characters long;\n"
            "The password must include 1 or more letters (a - z, upper or lower case);\n"
            "The password must include 1 or more non-letters (digits or special characters).",
        ),
        "activation.phrase_rules": Text(
            "撤銷短語長度必須介於 8 至 64 位字符；"
            "撤銷短語只可包括數字或英文字母 (不可包括特殊字符)。",
            "A frase de revogação deve ter entre 8 e 64 caracteres;\n"
            "A frase de revogação só pode incluir algarismos ou letras (sem caracteres "
            "especiais).",
            "The revocation phrase must be 8 to 64 characters long;\n"
            "The revocation phrase may only include digits or letters (no special characters).",
        ),
        "activation.new_password": Text(
            "台端之“雲簽”帳戶未持有任何有效證書，請設定新的“雲簽”簽名密碼（存取碼）。",
            "A sua conta de assinatura na nuvem não tem certificados válidos: defina uma nova "
            "palavra-passe.",
            "Your cloud-sign account holds no valid certificate: please set a new password.",
        ),
        "activation.running": Text(
            "正在激活證書，過程可能需要幾分鐘，請稍候。",
            "A activar os certificados; pode demorar alguns minutos.",
            "Activating the certificates; this may take a few minutes.",
        ),
        "activation.success": Text("成功激活", "Activado com sucesso", "Successfully activated"),
        "activation.email_sent": Text(
            "系統已發出《已完成申請及激活》電郵通知。",
            "Foi enviado o e-mail de conclusão do pedido e activação.",
            "The renewal-completed email has been sent.",
        ),
        # --- client-side validation (mirrors the server: R23, R24, codes) -------------------
        "validation.code_format": Text(
            "驗證碼須為 6 位數字。",
            "O código tem 6 algarismos.",
            "The code has 6 digits.",
        ),
        "validation.password_length": Text(
            "密碼長度必須為 8 個位或以上；",
            "A palavra-passe tem de ter 8 ou mais caracteres.",
            "The password must have 8 or more characters.",
            "AC-AB-0029",
        ),
        "validation.password_letter": Text(
            "密碼必須包括 1 個或以上的英文字母 (a - z，大小寫均可)；",
            "A palavra-passe tem de incluir pelo menos 1 letra (a-z, maiúscula ou minúscula).",
            "The password must include at least 1 letter (a-z, either case).",
            "AC-AB-0029",
        ),
        "validation.password_nonletter": Text(
            "密碼必須包括 1 個或以上非字母 (數字或特殊字符)。",
            "A palavra-passe tem de incluir pelo menos 1 caractere que não seja letra.",
            "The password must include at least 1 non-letter (digit or special character).",
            "AC-AB-0029",
        ),
        "validation.password_required": Text(
            "請輸入“雲簽”簽名密碼（存取碼）。",
            "Introduza a palavra-passe da assinatura na nuvem.",
            "Enter your cloud-sign password.",
        ),
        "validation.password_mismatch": Text(
            "確認“雲簽”簽名密碼（存取碼）與“雲簽”簽名密碼（存取碼）不相符。",
            "A confirmação não coincide com a palavra-passe.",
            "The confirmation does not match the password.",
            "AC-AB-0031",
        ),
        "validation.phrase_length": Text(
            "撤銷短語長度必須介於 8 至 64 位字符；",
            "A frase de revogação tem de ter entre 8 e 64 caracteres.",
            "The revocation phrase must have 8 to 64 characters.",
            "AC-AB-0030",
        ),
        "validation.phrase_charset": Text(
            "撤銷短語只可包括數字或英文字母 (不可包括特殊字符)。",
            "A frase de revogação só pode ter algarismos ou letras.",
            "The revocation phrase may contain digits and letters only.",
            "AC-AB-0030",
        ),
        # --- backend help codes (docs/api.md) ---------------------------------------------
        "error.malformed": Text(
            "系統未能處理此請求，請聯繫櫃檯職員協助。",
            "O sistema não conseguiu tratar o pedido. Peça ajuda ao balcão.",
            "The system could not handle the request. Please ask counter staff.",
            "AC-AB-0001",
        ),
        "error.unknown_holder": Text(
            "找不到此身份證明文件號碼之證書用戶。",
            "Não foi encontrado nenhum titular com este número.",
            "No holder was found with this number.",
            "AC-AB-0002",
        ),
        "error.not_found": Text(
            "找不到相關之續期記錄。",
            "O registo de renovação não foi encontrado.",
            "The renewal record was not found.",
            "AC-AB-0003",
        ),
        "error.signed_out": Text(
            "登入已逾時，請重新登入。",
            "A sessão expirou. Inicie a sessão de novo.",
            "Your session has expired. Please sign in again.",
            "AC-AB-0004",
        ),
        "error.too_large": Text(
            "資料過大，請重新拍照。",
            "Os dados são demasiado grandes. Tire outra fotografia.",
            "The data are too large. Please take the photo again.",
            "AC-AB-0005",
        ),
        "error.too_many_requests": Text(
            "請求過於頻繁，請稍後再試。",
            "Demasiados pedidos. Tente de novo dentro de momentos.",
            "Too many requests. Please try again in a moment.",
            "AC-AB-0006",
        ),
        "email.code_wrong": Text(
            "驗證碼不正確，尚餘 {attempts_left} 次機會。",
            "Código errado. Restam {attempts_left} tentativas.",
            "Wrong code. {attempts_left} attempts left.",
            "AC-AB-0008",
        ),
        "email.code_expired": Text(
            "驗證碼已逾時，請重新獲取驗證碼。",
            "O código expirou. Peça um novo código.",
            "The code has expired. Please ask for a new code.",
            "AC-AB-0009",
        ),
        "email.code_used": Text(
            "此驗證碼已使用，請重新獲取驗證碼。",
            "Este código já foi utilizado. Peça um novo código.",
            "This code has already been used. Please ask for a new code.",
            "AC-AB-0010",
        ),
        "email.locked": Text(
            "驗證碼錯誤次數過多，此電郵地址已暫時鎖定。",
            "Demasiados códigos errados: o endereço está bloqueado.",
            "Too many wrong codes: this address is locked.",
            "AC-AB-0011",
        ),
        "email.locked_until": Text(
            "驗證碼錯誤次數過多，此電郵地址已暫時鎖定至 {until}（約 {minutes} 分鐘）。",
            "Demasiados códigos errados: o endereço está bloqueado até às {until} (cerca de "
            "{minutes} minutos).",
            "Too many wrong codes: this address is locked until {until} (about {minutes} "
            "minutes).",
            "AC-AB-0011",
        ),
        "email.code_still_valid": Text(
            "驗證碼仍然有效，請於 {retry_after} 秒後再獲取新的驗證碼。",
            "O código ainda é válido. Peça um novo dentro de {retry_after} segundos.",
            "The code is still valid. You can ask for a new one in {retry_after} seconds.",
            "AC-AB-0012",
        ),
        "email.not_in_renewal": Text(
            "此電郵地址不屬於是次續期記錄。",
            "Este endereço não pertence a esta renovação.",
            "This address is not part of this renewal.",
            "AC-AB-0013",
        ),
        "error.signature_failed": Text(
            "簽署申請文件失敗，請重試。",
            "A assinatura dos documentos falhou. Tente de novo.",
            "Signing the application documents failed. Please try again.",
            "AC-AB-0025",
        ),
        "eid.code_wrong": Text(
            "短訊驗證碼不正確，尚餘 {attempts_left} 次機會。",
            "Código SMS errado. Restam {attempts_left} tentativas.",
            "Wrong SMS code. {attempts_left} attempts left.",
            "AC-AB-0022",
        ),
        "eid.code_expired": Text(
            "短訊驗證碼已逾時，請重新獲取驗證碼。",
            "O código SMS expirou. Peça um novo código.",
            "The SMS code has expired. Please ask for a new code.",
            "AC-AB-0023",
        ),
        "eid.face_failed": Text(
            "面容識別未通過，請正對屏幕重試。",
            "O reconhecimento facial falhou. Olhe para o ecrã e tente de novo.",
            "Face recognition failed. Please face the screen and try again.",
            "AC-AB-0024",
        ),
        "eid.locked": Text(
            "短訊驗證碼錯誤次數過多，已暫時鎖定。",
            "Demasiados códigos SMS errados: bloqueado temporariamente.",
            "Too many wrong SMS codes: temporarily locked.",
            "AC-AB-0038",
        ),
        "submit.already": Text(
            "此續期申請已提交。",
            "Este pedido de renovação já foi submetido.",
            "This renewal application has already been submitted.",
            "AC-AB-0026",
        ),
        "error.out_of_order": Text(
            "請先完成之前的步驟。",
            "Conclua primeiro os passos anteriores.",
            "Please finish the previous steps first.",
            "AC-AB-0027",
        ),
        "activation.noncloud": Text(
            "非“雲簽”證書未能於線上激活。",
            "Certificados que não são “assinatura na nuvem” não são activados online.",
            "Non-cloud-sign certificates cannot be activated online.",
            "AC-AB-0028",
        ),
        "activation.wrong_password": Text(
            "台端之雲簽簽名密碼（存取碼）不正確。",
            "A palavra-passe da assinatura na nuvem está incorrecta.",
            "Your cloud-sign password is incorrect.",
            "AC-AB-0032",
        ),
        "activation.failed": Text(
            "證書激活失敗，請聯繫櫃檯職員協助。",
            "A activação falhou. Peça ajuda ao balcão.",
            "Activation failed. Please ask counter staff.",
            "AC-AB-0033",
        ),
        "error.idempotency": Text(
            "重複之請求內容不一致，請聯繫櫃檯職員協助。",
            "Pedido repetido com conteúdo diferente. Peça ajuda ao balcão.",
            "A repeated request differed from the first. Please ask counter staff.",
            "AC-AB-0034",
        ),
        "staff.login_failed": Text(
            "職員登入失敗，請檢查用戶名稱及密碼。",
            "Falha no início de sessão do funcionário.",
            "Staff sign-in failed. Check the user name and password.",
            "AC-AB-0035",
        ),
        "error.unavailable": Text(
            "系統服務暫時未能使用，請稍後再試。",
            "O serviço está temporariamente indisponível. Tente mais tarde.",
            "The service is temporarily unavailable. Please try again later.",
            "AC-AB-0036",
        ),
        "activation.already": Text(
            "此證書已完成激活或正在激活中，無需重複操作。",
            "Este certificado já foi activado ou está a ser activado.",
            "This certificate has already been activated or is being activated.",
            "AC-AB-0039",
        ),
        "error.server": Text(
            "系統發生錯誤，請稍後再試。如有疑問，請聯繫eSignTrust協助。",
            "Ocorreu um erro no sistema. Tente mais tarde. Em caso de dúvida, contacte a "
            "eSignTrust.",
            "A system error occurred. Please try again later. If in doubt, please contact "
            "eSignTrust.",
            "AC-AB-0040",
        ),
        "error.no_such_call": Text(
            "找不到所請求之服務。",
            "A chamada de serviço pedida não existe.",
            "The requested service call does not exist.",
            "AC-AB-0041",
        ),
        "error.connection": Text(
            "暫時未能連接 eSignTrust 系統，請稍後再試或聯繫櫃檯職員協助。",
            "Não foi possível ligar ao sistema eSignTrust. Tente mais tarde ou peça ajuda ao "
            "balcão.",
            "The eSignTrust system cannot be reached. Please try again later or ask counter staff.",
            "AC-KI-0001",
        ),
        "error.timeout": Text(
            "eSignTrust 系統回應逾時，請稍後再試或聯繫櫃檯職員協助。",
            "O sistema eSignTrust não respondeu a tempo. Tente mais tarde ou peça ajuda ao balcão.",
            "The eSignTrust system did not answer in time. Please try again or ask counter staff.",
            "AC-KI-0002",
        ),
        "error.unexpected": Text(
            "eSignTrust 系統回應異常，請聯繫櫃檯職員協助。",
            "Resposta inesperada do sistema eSignTrust. Peça ajuda ao balcão.",
            "The eSignTrust system gave an unexpected answer. Please ask counter staff.",
            "AC-KI-0003",
        ),
        "error.backend": Text(
            "{server_message}",
            "{server_message}",
            "{server_message}",
        ),
        # --- hand-off and end states -------------------------------------------------------
        "staff.handoff": Text(
            "請聯繫櫃檯職員協助。參考編號：{reference}",
            "Peça ajuda a um funcionário do balcão. Referência: {reference}",
            "Please ask counter staff for help. Reference: {reference}",
        ),
        "flow.abandoned": Text(
            "上一位用戶之續期程序已結束。",
            "O processo de renovação anterior foi terminado.",
            "The previous renewal session has ended.",
        ),
    }
)

# Backend help code -> message id. The seed's own codes first, then those of docs/api.md.
HELP_CODE_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "AC-AB-0001": "error.malformed",
        "AC-AB-0002": "error.unknown_holder",
        "AC-AB-0003": "error.not_found",
        "AC-AB-0004": "error.signed_out",
        "AC-AB-0005": "error.too_large",
        "AC-AB-0006": "error.too_many_requests",
        "AC-AB-0007": "offline.submitted",
        "AC-AB-0008": "email.code_wrong",
        "AC-AB-0009": "email.code_expired",
        "AC-AB-0010": "email.code_used",
        "AC-AB-0011": "email.locked",
        "AC-AB-0012": "email.code_still_valid",
        "AC-AB-0013": "email.not_in_renewal",
        "AC-AB-0014": "reverify.body",
        "AC-AB-0015": "revoke.body",
        "AC-AB-0016": "consent.required",
        "AC-AB-0017": "id.unsupported",
        "AC-AB-0018": "id.invalid",
        "AC-AB-0019": "photo.below_threshold",
        "AC-AB-0020": "photo.no_face",
        "AC-AB-0021": "eid.not_enabled",
        "AC-AB-0022": "eid.code_wrong",
        "AC-AB-0023": "eid.code_expired",
        "AC-AB-0024": "eid.face_failed",
        "AC-AB-0025": "error.signature_failed",
        "AC-AB-0026": "submit.already",
        "AC-AB-0027": "error.out_of_order",
        "AC-AB-0028": "activation.noncloud",
        "AC-AB-0029": "validation.password_length",
        "AC-AB-0030": "validation.phrase_length",
        "AC-AB-0031": "validation.password_mismatch",
        "AC-AB-0032": "activation.wrong_password",
        "AC-AB-0033": "activation.failed",
        "AC-AB-0034": "error.idempotency",
        "AC-AB-0035": "staff.login_failed",
        "AC-AB-0036": "error.unavailable",
        "AC-AB-0037": "declaration.required",
        "AC-AB-0038": "eid.locked",
        "AC-AB-0039": "activation.already",
        "AC-AB-0040": "error.server",
        "AC-AB-0041": "error.no_such_call",
        "AC-KI-0001": "error.connection",
        "AC-KI-0002": "error.timeout",
        "AC-KI-0003": "error.unexpected",
    }
)


def _lock_params(locked_until: str | None) -> dict[str, str] | None:
    """`until` (the kiosk's local time, HH:MM) and `minutes` left, from the registry's
    `locked_until`; None when it is missing or unreadable."""
    if not locked_until:
        return None
    try:
        until = datetime.fromisoformat(locked_until.replace("Z", "+00:00"))
    except ValueError:
        return None
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    left = max(1, math.ceil((until - datetime.now(UTC)).total_seconds() / 60))
    return {"until": until.astimezone().strftime("%H:%M"), "minutes": str(left)}


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Message:
    """One thing the holder sees: a catalog id, its help code (求助碼) and its parameters.

    `fallback` carries the server's own texts for help codes the catalog does not know.
    """

    id: str
    help_code: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    fallback: Mapping[str, str] = field(default_factory=dict)

    def text(self, lang: str = DEFAULT_LANG) -> str:
        entry = CATALOG.get(self.id)
        if entry is None:
            return self.fallback.get(lang) or self.fallback.get(DEFAULT_LANG) or self.id
        params = _Default(self.params)
        if self.fallback:
            params.setdefault(
                "server_message",
                self.fallback.get(lang) or self.fallback.get(DEFAULT_LANG) or "",
            )
        return entry.get(lang).format_map(params)

    def full_text(self, lang: str = DEFAULT_LANG) -> str:
        """The text followed by its help code in the seed's style, unless it already has it."""
        body = self.text(lang)
        if not self.help_code or self.help_code in body:
            return body
        label = {"zh-Hant": "求助碼", "pt": "Código de ajuda", "en": "Help code"}.get(
            lang, "求助碼"
        )
        if lang == "zh-Hant":
            return f"{body}（{label}：{self.help_code}）"
        return f"{body} ({label}: {self.help_code})"

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "help_code": self.help_code, "params": dict(self.params)}


def message(msg_id: str, **params: object) -> Message:
    """A catalog message with the help code the catalog records for it."""
    entry = CATALOG[msg_id]
    return Message(msg_id, entry.help_code, {k: str(v) for k, v in params.items()})


def message_for_help_code(
    help_code: str,
    server_texts: Mapping[str, str] | None = None,
    details: Mapping[str, object] | None = None,
) -> Message:
    """The message for a backend refusal; unknown codes fall back to the server's own text."""
    params = {k: str(v) for k, v in (details or {}).items() if isinstance(v, str | int | float)}
    msg_id = HELP_CODE_MESSAGES.get(help_code)
    if help_code == "AC-AB-0011" and (lock := _lock_params(params.get("locked_until"))):
        # The holder is told when the address can be verified again (docs/api.md).
        return Message("email.locked_until", help_code, {**params, **lock})
    if msg_id is None:
        return Message("error.backend", help_code, params, dict(server_texts or {}))
    return Message(msg_id, help_code, params)
