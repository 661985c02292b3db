"""Demo content for the CGM site.

Plain-Python transcription of the eight posts of the real CGM news page
(shared/seed/cgm-news-page.txt): five articles (ARTICLES) and three
webinars (WEBINARS). The Italian text is verbatim from the seed; only the
places where the seed glued two paragraphs, a link label or a photo credit
together without a break have been split. Dates, places and bylines that the
seed does not state were supplied by the project brief.

Conventions
-----------
* ``categories``: category slugs among educazione, welfare, finanza,
  formazione, news, as listed above each post in the seed.
* Rich text (article ``body`` "text" items, webinar ``abstract``) is HTML
  limited to p, h2, h3, ul, ol, li, b, i and a; "&" is escaped as "&amp;".
  All other strings are plain text.
* Article ``body`` is a list of (block_type, value) pairs:
  ("text", html), ("quote", {"text", "attribution"}), ("cta", {"label", "url"}).
  The dateline that opens some seed articles ("Napoli, 21 aprile 2020 – ")
  is not repeated in the body: it is carried by ``place`` and ``date``.
* ``photo_credit_lang``: "en" for a credit in English ("Photo by … from Pexels"),
  else Italian. ``original["date_precision"]``: "month" when the seed gives no day.
* Webinar ``start``/``end`` are naive ISO datetimes in Europe/Rome local time;
  ``speakers`` are (name, description, role) with role "speaker" or
  "moderator".
"""

ARTICLES = [
    {
        "slug": "infanzia-futuro-del-paese",
        # The seed's heading; it repeats it as "L’infanzia di oggi è il futuro del nostro
        # Paese." / "I servizi educativi sono molto più di un bonus baby-sitting".
        "title": (
            "L’infanzia di oggi e’ il futuro del nostro paese. I servizi educativi sono molto più "
            "di un bonus baby-sitting"
        ),
        "standfirst": (
            "La riflessione e le proposte di Giuseppe Bruno, Presidente Gruppo Cooperativo CGM"
        ),
        "categories": ["educazione", "news"],
        "date": "2020-04-23",
        "place": "",
        "authors": [("Giuseppe Bruno", "Presidente Gruppo Cooperativo CGM")],
        "photo_credit": "Photo by cottonbro from Pexels",
        "photo_credit_lang": "en",
        "original": None,
        "body": [
            (
                "text",
                (
                    "<p>Quale futuro stiamo riprogettando se non ci occupiamo "
                    "dell’infanzia?</p><p>Questo pensiero torni al centro del dibattito sulla "
                    "Fase 2, perché la questione va ben oltre la ripresa, pure essenziale, della "
                    "produttività. Ed è svilente pensare che il bonus baby-sitting possa "
                    "rispondere ad un mero problema di “conciliazione famiglia-lavoro.</p><p>Da "
                    "qualsiasi punto di vista, la toppa è peggio del buco. Perchè il bonus "
                    "baby-sitting non solo non è la soluzione, ma alimenta lo stato di precarietà "
                    "di molto operatori del settore socio-educativo, ne svilisce la "
                    "professionalità vanificando il traguardo faticosamente conquistato dai nidi "
                    "e scuole dell’infanzia paritarie: ovvero di essere luoghi di educazione dove "
                    "è preso sul serio il futuro del nostro Paese.</p><p>E’ questa l’occasione "
                    "per progettare modelli di ripresa efficaci e capaci di tutelare il tanto "
                    "proclamato “superiore interesse dei bambini”, il nostro sistema educativo e "
                    "di istruzione non difetta certo di competenze e modelli pedagogici di "
                    "qualità. Occorre tenere in giusto conto, da un lato, un adeguato sostegno "
                    "economico a tutta l’offerta 0/6 anni, dagli asili nido alle parità "
                    "scolastiche, particolarmente danneggiati dalle chiusure e con prospettive di "
                    "ripresa lontane, rallentate, o peggio, mortificate dall’asfissia debitoria "
                    "delle strutture. Dall’altro, vi è l’assoluto bisogno di tutelare i bambini e "
                    "le famiglie rispetto ai rischi che si corrono per la sicurezza, la qualità e "
                    "la continuità dell’impegno di cura con interventi disallineati e "
                    "parcellizzati.</p><p>Questo è un tema che appartiene a tutti, strutture sia "
                    "private che pubbliche, dalle grandi metropoli ai piccoli centri delle aree "
                    "interne. Si può archiviare l’idea del bonus baby-sitting e mettersi a "
                    "lavorare per soluzioni flessibili in convenzione con il privato sociale "
                    "autorizzato, che può reimpostare l’offerta educativa in servizi ibridi che "
                    "si muovono in un continuum: dalla casa ai luoghi comunitari come i nidi, "
                    "abitandoli magari in piccoli numeri, fasce orarie differenziate o altre "
                    "scelte pratiche che incontrino gli standard di sicurezza che tutti abbiamo "
                    "ben presenti. Bisogna ricordare che sono i servizi che vanno adattati alla "
                    "vita e non viceversa.</p><p>Mi chiedo se non sia anche il momento di "
                    "completare il pensiero di riforma del sistema 0/6. Ad esempio convogliando "
                    "in un plafond dedicato le risorse attualmente parcellizzate tra asili nido, "
                    "sezioni primavera, scuole paritarie, risorse rovinosamente “diffuse” che "
                    "hanno solo l’effetto di rimarcare la differenza di trattamento e di "
                    "responsabilità tra le diverse fasce d’età. Altrimenti mandiamo il progetto "
                    "di riforma una volta per tutte in soffitta. Non è più credibile.</p><p>Penso "
                    "che una riorganizzazione di queste risorse in favore di una ben più proficua "
                    "continuità educativa non solo rafforzerebbe la presenza dei servizi, tanto "
                    "nelle aree metropolitane che nelle aree interne, ma li renderebbero più "
                    "accessibili e sostenibili, omogeneizzando l’offerta, la qualità e le "
                    "possibilità di investimento delle famiglie in quello che è l’investimento "
                    "più prezioso per il nostro futuro.</p><p>Quali possono essere alcune "
                    "direttrici di lavoro?</p><ul><li>Mantenere la dimensione collettiva del "
                    "servizio come valore educativo irrinunciabile. Va accettata la sfida del "
                    "distanziamento spaziale preservando la relazione tra coetanei. Bambini e "
                    "ragazzi hanno bisogno di uno scambio fra pari, il solo mondo degli adulti va "
                    "loro stretto. I bambini hanno bisogno di nuove competente spaziali e "
                    "relazionali</li><li>Garantire la possibilità di uno scambio "
                    "intergenerazionale immaginando luoghi come spazi di incontro dove nonni e "
                    "bambini possano, in un ambiente educante, “imparare” a stare di nuovi vicini "
                    "anche senza toccarsi;</li><li>Alimentare un continuum fra il progetto "
                    "educativo del servizio e quello che avviene in famiglia con una "
                    "co–costruzione e co–attuazione del percorso;</li><li>Sostenere la capacità "
                    "anche animativa delle risorse parentali attribuendo loro la stessa valenza "
                    "valoriale di quella educativa;</li><li>Assicurare la presenza di risorse "
                    "professionali in grado di mantenere un approccio pedagogico–educativo anche "
                    "all’interno di proposte temporalmente più brevi ed “estemporanee” rispetto a "
                    "quelle “tradizionali”;</li><li>Sfruttare le risorse outdoor disponibili, "
                    "cercando di tracciare una mappa territoriale di luoghi sicuri per i bambini "
                    "e gli adolescenti.</li></ul>"
                ),
            ),
        ],
    },
    {
        "slug": "al-via-napoliwelfare",
        "title": "Al via napoliwelfare",
        "standfirst": "La piattaforma che fornisce servizi di welfare ai tempi del Coronavirus",
        "categories": ["news", "welfare"],
        "date": "2020-04-21",
        "place": "Napoli",
        "authors": [],
        # The seed gives no photo credit for this article.
        "photo_credit": "",
        "original": None,
        "body": [
            (
                "text",
                (
                    "<p>Il Covid-19 ha modificato in modo repentino la quotidianità obbligando i "
                    "cittadini ad assumere stili di vita che richiedono nuovi modelli di "
                    "protezione sociale. Non è ancora chiaro come cambieranno le nostre abitudini "
                    "con l’avvio della fase 2 per la gestione dell’emergenza, ma la chiusura "
                    "delle scuole e degli asili con la didattica a distanza, le forme di lavoro "
                    "agile e di smart working per i genitori, unita alla solitudine che molte "
                    "persone anziane e fragili si trovano a dover gestire rendono molto più "
                    "difficile e complessa la gestione della quotidianità.</p><p>Per questo "
                    "Gruppo Cooperativo CGM e Moving, hanno messo a servizio della comunità la "
                    "loro esperienza maturata in ambito di welfare aziendale sviluppando "
                    "piattaforme personalizzate di servizi alla persona. Dopo Biella, Matera, "
                    "Sondrio e Rho (Milano), è attiva a partire da oggi la piattaforma "
                    "napoliwelfare "
                    '<a href="https://www.napoliwelfare.it">www.napoliwelfare.it</a> che '
                    "rappresenta un ulteriore segnale positivo dell’Italia cooperativa che "
                    "nell’emergenza è stata in grado di riorganizzarsi offrendo una risposta "
                    "adeguata ai nuovi bisogni.</p><p>La piattaforma napoliwelfare, realizzata "
                    "insieme al consorzio Proodos ed il suo gruppo di soci e partners, racchiude "
                    "una selezione di servizi welfare dedicati a varie fasce della popolazione: "
                    "dai bambini, agli anziani, alle famiglie, agli adulti e alle persone con "
                    "disabilità.</p><p>All’interno della piattaforma è possibile scegliere tra "
                    "tantissimi servizi sempre in aggiornamento. Sono disponibili servizi di "
                    "intrattenimento ludico-educativo come la caccia al tesoro virtuale e "
                    "tutoring online per la gestione dei compiti. La piattaforma comprende "
                    "inoltre servizi di assistenza a domicilio ad anziani e disabili e servizi di "
                    "supporto psicologico/emotivo rivolto ai caregivers, ai genitori, ai "
                    "lavoratori e agli adulti. E infine sostegno alla genitorialità, babysitting "
                    "e mediazione familiare e attività per tutta la famiglia come allenamenti "
                    "virtuali da farsi a casa.</p>"
                ),
            ),
            (
                "quote",
                {
                    "text": (
                        "“Oggi più che mai siamo chiamati a mettere in campo la nostra capacità "
                        "di resilienza, sentendo forte la responsabilità di essere il cuore "
                        "pulsante della società. Questa emergenza ci ha in qualche modo costretti "
                        "a velocizzare quei processi di innovazione già avviati nelle nostre "
                        "organizzazioni che, ancora una volta, si son fatte carico delle persone "
                        "più a rischio e si son fatte trovare pronte per dare risposte immediate "
                        "ai nuovi bisogni. Con napoliwelfare proponiamo uno strumento intuitivo "
                        "ed efficace con un paniere di servizi mirati a non lasciare indietro "
                        "nessuno e ad aprire ampi spazi di partecipazione. Siamo certi che, con "
                        "questa nuova piattaforma, abbiamo messo un ulteriore tassello per lo "
                        "sviluppo di comunità coese ed includenti, sempre al passo coi tempi”"
                    ),
                    "attribution": "Mario Sicignano, Presidente Consorzio Proodos",
                },
            ),
            (
                "text",
                (
                    "<p>I servizi sono stati modificati sia nei contenuti che nelle modalità di "
                    "acquisto ed erogazione per poter rispondere alle nuove esigenze e secondo le "
                    "modalità stabilite dalle autorità. Si tratta quindi di prestazioni a "
                    "distanza oppure, laddove possibile, a domicilio. I prezzi, inoltre, sono "
                    "stati il più possibile calmierati per garantire la massima accessibilità a "
                    "tutte le fasce di reddito e sono eventualmente rimborsabili secondo le "
                    "modalità stabilite dai decreti emanati o in corso di emanazione da parte del "
                    "Governo nazionale.</p><p>Al centro di questa operazione, oltre alla "
                    "prossimità, è in primo piano anche la qualità dei servizi, che rimane "
                    "requisito centrale per tutta l’offerta di welfare che CGM mette a "
                    "disposizione in piattaforma e che viene certificata grazie alle direttive "
                    "della prassi tecnica sui servizi alla persona, di cui CGM si è fatto "
                    "promotore insieme a UNI.</p><p>Grazie a un layout intuitivo è possibile "
                    "navigare tra i vari servizi offerti, trovare quello più indicato e "
                    "perfezionare l’acquisto direttamente con carta di credito o pagamento "
                    "digitale.</p>"
                ),
            ),
            ("cta", {"label": "Scopri napoliwelfare", "url": "https://www.napoliwelfare.it"}),
        ],
    },
    {
        "slug": "rhowelfare-servizi-territoriali",
        "title": (
            "Servizi territoriali ed educazione digitale a portata di click con rhowelfare.it"
        ),
        "standfirst": "",
        "categories": ["news", "welfare"],
        "date": "2020-04-14",
        "place": "Rho (Milano)",
        "authors": [],
        "photo_credit": "Photo by Alexander Dummer on Unsplash",
        "photo_credit_lang": "en",
        "original": None,
        # Verbatim from the seed: the third paragraph breaks off after "agli operatori
        # sanitari," and the quote has a closing but no opening quotation mark.
        "body": [
            (
                "text",
                (
                    "<p>La grande emergenza che stiamo vivendo ha modificato in modo repentino la "
                    "quotidianità obbligando i cittadini ad assumere stili di vita che richiedono "
                    "nuovi modelli di protezione sociale. La chiusura momentanea delle scuole e "
                    "degli asili, le forme di lavoro agile e di smart working per i genitori, "
                    "unita alla solitudine che molte persone anziane e fragili si trovano a dover "
                    "gestire rendono molto più difficile e complessa la gestione della "
                    "quotidianità.</p><p>Per questo Gruppo Cooperativo CGM e Moving, hanno messo "
                    "a servizio della comunità la loro esperienza maturata in ambito di welfare "
                    "aziendale sviluppando piattaforme personalizzate di servizi alla persona. "
                    "Dopo Biella, Matera, e Sondrio è attiva a partire da oggi la piattaforma "
                    'rhowelfare <a href="https://www.rhowelfare.it">www.rhowelfare.it</a> che '
                    "rappresenta un ulteriore segnale positivo dell’Italia cooperativa che "
                    "nell’emergenza è stata in grado di riorganizzarsi offrendo una risposta "
                    "adeguata ai nuovi bisogni.</p><p>La piattaforma rhowelfare, realizzata "
                    "insieme a Stripes Cooperativa Sociale Onlus, racchiude una selezione di "
                    "servizi welfare dedicati a varie fasce della popolazione: dai bambini, agli "
                    "anziani, alle famiglie, agli operatori sanitari,</p><p>All’interno della "
                    "piattaforma è possibile scegliere tra tantissimi servizi sempre in "
                    "aggiornamento. Sono disponibili servizi di intrattenimento ludico-educativo "
                    "e tutoring online per la gestione dei compiti per i più piccoli, ma anche "
                    "servizi di educazione digitale destinati ad insegnanti e anziani.</p><p>La "
                    "piattaforma comprende inoltre servizi di supporto psicologico/emotivo "
                    "rivolto ai sanitari in prima linea per l’emergenza e per i cittadini, "
                    "supporto alla genitorialità e alle neomamme e neopapà per consulenze "
                    "sull’allattamento o per le cure necessarie nei primi mesi di vita di un "
                    "bambino, supporto babysitter. E infine attività per la famiglia ma adatte "
                    "anche ai più piccoli come lo yoga e la lettura di favole online.</p>"
                ),
            ),
            (
                "quote",
                {
                    "text": (
                        "In questo momento di emergenza abbiamo avvertito sin da subito la "
                        "necessità di fornire risposte straordinarie ai bisogni delle famiglie e "
                        "dei loro bambini e ragazzi. Ma non solo, la nostra proposta di servizi "
                        "di welfare ha cercato di leggere l’attuale situazione e di interpretare "
                        "le nuove necessità di alcune persone o figure professionali: penso agli "
                        "insegnanti, agli operatori sanitari, ai caregivers o anche solo ai "
                        "neogenitori che si stanno trovando a vivere un momento di grande gioia "
                        "in un periodo così complicato. Con questa piattaforma, con rhowelfare, "
                        "la cooperativa Stripes ha scelto di esserci sin da subito per stare "
                        "accanto alle persone come fa quotidianamente nei servizi, nei progetti, "
                        "perché questa è la nostra mission, e in generale quella di tutto il "
                        "terzo settore”"
                    ),
                    "attribution": (
                        "Dafne Guida, Presidente e Direttore Generale di Stripes cooperativa "
                        "sociale onlus"
                    ),
                },
            ),
            (
                "text",
                (
                    "<p>I servizi sono stati modificati sia nei contenuti che nelle modalità di "
                    "acquisto ed erogazione per poter rispondere alle nuove esigenze e secondo le "
                    "modalità stabilite dalle autorità. Si tratta quindi di prestazioni a "
                    "distanza oppure, laddove possibile, a domicilio. I prezzi, inoltre, sono "
                    "stati il più possibile calmierati per garantire la massima accessibilità a "
                    "tutte le fasce di reddito e sono eventualmente rimborsabili secondo le "
                    "modalità stabilite dai decreti emanati o in corso di emanazione da parte del "
                    "Governo nazionale.</p><p>Al centro di questa operazione, oltre alla "
                    "prossimità, è in primo piano anche la qualità dei servizi, che rimane "
                    "requisito centrale per tutta l’offerta di welfare che CGM mette a "
                    "disposizione in piattaforma e che viene certificata grazie alle direttive "
                    "della prassi tecnica sui servizi alla persona, di cui CGM si è fatto "
                    "promotore insieme a UNI.</p><p>Grazie a un layout intuitivo è possibile "
                    "navigare tra i vari servizi offerti, trovare quello più indicato e "
                    "perfezionare l’acquisto direttamente con carta di credito o pagamento "
                    "digitale.</p>"
                ),
            ),
        ],
    },
    {
        "slug": "mano-pubblica-finanza-etica",
        "title": "Mano pubblica per la finanza etica",
        "standfirst": (
            "Indirizzare le risorse a sostegno delle imprese sociali e anche di altre "
            "organizzazioni del terzo settore"
        ),
        "categories": ["finanza"],
        "date": "2020-04-06",
        "place": "",
        # Seed byline: "Di Francesco ABBA’ e Flaviano ZANDONAI" (no roles given).
        "authors": [("Francesco Abbà", ""), ("Flaviano Zandonai", "")],
        "photo_credit": "Photo by Matheus Viana from Pexels",
        "photo_credit_lang": "en",
        # From "*Articolo pubblicato su ...": the seed gives the month, not the day.
        "original": {
            "name": "Investire Today, supplemento del mese di aprile 2020 di Investire",
            "date": "2020-04-01",
            "date_precision": "month",
            "url": "",
        },
        "body": [
            (
                "text",
                (
                    "<p>In questa fase storica le possibilità per un mercato finanziario “etico” "
                    "sono legate, in primo luogo, alla sussistenza delle condizioni minime di "
                    "mercato. Ovvero di una domanda e un’offerta che oggi, e soprattutto nel "
                    "futuro prossimo, rischiano non tanto di non incontrarsi in una qualche arena "
                    "di scambio, ma di non essere proprio in grado di esprimersi. Una prima "
                    "declinazione dell’eticità dovrebbe quindi consistere nel creare le "
                    "condizioni minime affinché investitori e imprenditori possano operare grazie "
                    "a strumenti di mitigazione del rischio che non potranno che essere "
                    "pubblici.</p><p>Una volta garantite le condizioni minime per poter operare, "
                    "il carattere etico potrebbe essere ulteriormente declinato, e in modo più "
                    "mirato, come finanza sociale ovvero un segmento del mercato finanziario che "
                    "risponde alle esigenze di imprese sociali e anche di altre organizzazioni di "
                    "terzo settore non necessariamente di natura imprenditoriale come "
                    "associazioni, fondazioni, ecc. Il perché di questa focalizzazione è "
                    "piuttosto semplice: questo segmento verrà probabilmente stravolto dalla "
                    "crisi in atto. Un passaggio che segnerà in modo netto un prima e un dopo. Il "
                    "prima infatti era una nicchia che per quanto ridotta in termini dimensionali "
                    "si manifestava comunque dinamica e affidabile, anche se forse non così "
                    "“assetata” di risorse finanziarie. Organizzazioni impegnate soprattutto "
                    "nell’erogazione di servizi sociali in outsourcing della Pubblica "
                    "Amministrazione, ma anche con capacità di sviluppare filiere “proprietarie” "
                    "all’interno di mercati privati come ad esempio agricoltura e turismo "
                    "sociale, welfare aziendale, social housing, produzione culturale. "
                    "Organizzazioni volontaristiche e imprese sociali dotate di una buona "
                    "capacità progettuale e con l’esigenza di accedere a risorse finanziarie "
                    "tagliate su misura, soprattutto per quanto riguarda la capacità di "
                    "valutazione dei progetti da sottoporre a finanziamento e di combinazione "
                    "delle risorse finanziarie con altre di natura filantropica e donativa oltre "
                    "che apportate dalle stesse organizzazioni attraverso ricapitalizzazione e "
                    "cofinanziamento. Elementi di peculiarità operativa quindi – e non solo di "
                    "missione – che nel corso del tempo hanno portato alla nascita di un ricco e "
                    "variegato ecosistema finanziario dedicato e dominato in gran parte da "
                    "soggetti bancari (e quindi dalla finanza di debito), ma che di recente si "
                    "stava arricchendo anche di un’offerta di capitale di rischio grazie a fondi "
                    "di equity di impact investing costituiti anche grazie a risorse europee. Il "
                    "tutto condito con un sistema di servizi non finanziari – formazione, "
                    "consulenza, ricerca &amp; sviluppo, ecc. – volti a realizzare strategie di "
                    "capacity building affinché il settore potesse compiere un salto di qualità "
                    "soprattutto per quanto riguarda l’innovazione tecnologica e la scalabilità "
                    "dei propri modelli di servizio.</p><h2>Come sarà il dopo?</h2><p>Se questo, "
                    "a grandi linee, era il prima, come sarà il dopo? La risposta non è semplice "
                    "e necessariamente viene anche dal “durante” ovvero dal modo in cui le "
                    "imprese sociali e gli altri enti di terzo settore stanno operando e, al "
                    "tempo stesso, sono colpiti dalla crisi in atto. Da questo punto di vista il "
                    "problema principale è che la pur comprensibile “sanitarizzazione” della "
                    "pandemia sta lasciando molto scoperti altri ambiti di welfare nei quali "
                    "operano molte di queste organizzazioni: servizi sociali, assistenziali, "
                    "educativi sono oggi chiusi o fortemente compromessi dal contagio senza che, "
                    "per ora, vi sia stata l’attenzione necessaria da parte delle istituzioni "
                    "governative rispetto alla tenuta di questi presidi, ad esempio dotando gli "
                    "operatori degli indispensabili e introvabili dispositivi di protezione "
                    "individuale. Il risultato non è uno stato fortemente critico che, come "
                    "ricordava recentemente l’economista Stefano Zamagni, investe certamente le "
                    "organizzazioni del settore, ma più in generale la tenuta dei sistemi di "
                    "protezione sociale nel loro complesso, sia nella fase attuale che, "
                    "probabilmente, in quella futura.</p><p>Da questi apprendimenti, seppur "
                    "parziali, emergono quindi alcune sfide cruciali che riguarderanno anche il "
                    "mercato della finanza sociale a livello di tenuta ma anche, più in generale, "
                    "di significato e di ruolo all’interno di un quadro socioeconomico "
                    "profondamente mutato.</p><p>I punti seguenti tentano di identificare tali "
                    "sfide intorno alle quali andrebbe costruita un’agenda strategica e operativa "
                    "da parte di tutti gli attori in campo, in particolare quelli che operano sul "
                    "fronte dell’offerta finanziaria e i corpi intermedi del settore.</p><p>In "
                    "primo luogo è necessario costruire strumenti finanziari ad hoc per la "
                    "ricostruzione di un settore che probabilmente “lascerà sul campo” molte "
                    "organizzazioni. Rispetto al design di questi strumenti il fattore tempo "
                    "gioca un ruolo fondamentale, sia per la loro implementazione sia per la "
                    "durata dei finanziamenti, ad esempio riconfigurando completamente strumenti "
                    "di finanza pubblica intermediata da soggetti di finanza sociale come Italia "
                    "Economia Sociale, una misura a favore di imprese sociali gestita da "
                    "Invitalia ma che fino ad oggi è riuscita solo in piccola parte a impiegare "
                    "gli oltre 200 milioni di euro a disposizione.</p><p>In secondo luogo è "
                    "necessario rinforzare i meccanismi di mutualità all’interno delle reti più "
                    "evolute dell’impresa sociale e del terzo settore, sia a livello locale che "
                    "nazionale. In questo ambito infatti “fare rete” rappresenta un asset "
                    "rilevante non solo per esigenze di rappresentanza ma anche per alimentare lo "
                    "sviluppo. In questo senso però è necessario semplificare i meccanismi di "
                    "adesione e le modalità di scambio delle risorse come dimostra l’esperienza "
                    "del Gruppo cooperativo Cgm e del suo braccio finanziario Cgm Finance che "
                    "negli ultimi 25 anni ha coinvolto oltre 400 imprese sociali italiane sia "
                    "come apportatrici di risorse che come destinatarie di finanza per progetti "
                    "d’investimento e non semplicemente per la gestione ordinaria.</p><p>In terzo "
                    "luogo è necessario un upgrade, anche in termini di apporto di risorse, per "
                    "azioni di capacity building chiamate a potenziare le capacità di queste "
                    "organizzazioni in contesti che, a differenza del passato recente, saranno "
                    "più discontinui e turbolenti. Si tratterà quindi di gestire complesse e "
                    "dolorose chiusure e ristrutturazioni, ripensando profondamente anche i "
                    "modelli organizzativi e di governance delle imprese sociali in particolare, "
                    "rendendoli più coesi al fine di operare con la necessaria consapevolezza e "
                    "rapidità scelte di innovazione sempre meno incrementali e sempre più di "
                    "rottura.</p><p>Infine si può identificare anche una sfida per le risorse di "
                    "equity ovvero sostenere, oltre a startup sociali di nuova generazione, anche "
                    "i processi di ristrutturazione aziendale e rilancio dell’imprenditoria "
                    "sociale “tradizionale” puntando sulle sue risorse umane e tecnologiche "
                    "interne e magari favorendo processi di reale convergenza e fertilizzazione "
                    "con la nuova imprenditoria sociale “nativa” nel nuovo scenario. Fino ad "
                    "oggi, infatti, i percorsi di open innovation e coinvestimento tra startup e "
                    "imprese sociali si sono limitati a progetti pilota piuttosto che a vere e "
                    "proprie partnership per un nuovo social business. Ora però non è più il "
                    "tempo della sperimentazione, pena il rischio di perdere una fetta "
                    "consistente di imprenditoria in campo sociale che ha reso l’Italia uno dei "
                    "paesi europei più avanzati in questo settore.</p>"
                ),
            ),
        ],
    },
    {
        "slug": "cura-italia-buoni-spesa",
        "title": "Cura italia. Una piattaforma gratuita pensata per i comuni italiani",
        "standfirst": "Lo strumento digitale per erogare buoni spesa ai più bisognosi",
        "categories": ["news", "welfare"],
        "date": "2020-04-02",
        "place": "Milano",
        "authors": [],
        "photo_credit": "Photo by Herr Bohn on Unsplash",
        "photo_credit_lang": "en",
        "original": None,
        "body": [
            (
                "quote",
                {
                    "text": (
                        "“I Comuni del nostro Paese sono le Istituzioni più prossime ai cittadini "
                        "e quelle che, ogni giorno, si trovano a dover affrontare le esigenze "
                        "pratiche e immediate della popolazione. In questa fase di emergenza, "
                        "abbiamo deciso di mettere a disposizione gratuitamente la nostra "
                        "infrastruttura digitale per aiutare i Comuni a erogare i buoni spesa per "
                        "le persone più fragili”"
                    ),
                    "attribution": "Giuseppe Bruno, Presidente CGM",
                },
            ),
            (
                "text",
                (
                    "<p>L’iniziativa denominata “Cura Italia” (<a "
                    'href="https://curaitalia.cgmwelfare.it">curaitalia.cgmwelfare.it</a>) è '
                    "ideata per i Comuni italiani al fine di erogare i buoni spesa ai cittadini "
                    "come previsto dal DPCM 28 marzo 2020. La piattaforma si candida a essere uno "
                    "strumento digitale pratico e semplice per l’erogazione dei buoni spesa alle "
                    "persone più fragili.</p><p>Il portale permette ai Comuni una gestione "
                    "facilitata permettendo loro di raccogliere online le richieste da parte dei "
                    "cittadini, ottenere una puntuale verifica dei soggetti che effettivamente "
                    "hanno una necessità e l’immediata attivazione dei buoni spesa alimentari per "
                    "i soggetti realmente bisognosi.</p><p>I cittadini selezionati hanno a "
                    "disposizione un proprio account e il Comune potrà controllare in tempo reale "
                    "gli utilizzi e i consumi dei buoni spesa. Inoltre la piattaforma semplifica "
                    "anche il lavoro del terzo settore e della cooperazione territoriale "
                    "impegnati nella distribuzione.</p><p>Cgm ha sottoposto ad ANCI una proposta "
                    "di accordo finalizzato a mettere a disposizione gratuitamente per tutti i "
                    "Comuni italiani questo strumento. Già oggi il Comune di Piazzola sul Brenta "
                    "(Padova) ha deciso di utilizzare la piattaforma digitale promossa da "
                    "cgmwelfare per l’erogazione di buoni spesa digitali: "
                    '<a href="https://www.welfarebenecomune.it">www.welfarebenecomune.it</a>.</p>'
                ),
            ),
            (
                "quote",
                {
                    "text": (
                        "“Abbiamo quindi pensato di realizzare per i Comuni italiani una "
                        "piattaforma che permetta loro di gestire con facilità un’ulteriore "
                        "incombenza legata all’emergenza Coronavirus. Forti dell’esperienza "
                        "maturata in alcuni comuni della Lombardia e del Veneto pensiamo che, "
                        "come già avvenuto per le prestazioni dei servizi alla persona, si possa "
                        "realizzare un’identica modalità di gestione dei buoni spesa attraverso "
                        "le opportunità offerte da questo portale”"
                    ),
                    "attribution": "Martina Tombari, Responsabile cgmwelfare",
                },
            ),
            (
                "text",
                (
                    "<p>Nella prima fase dell’emergenza, il Gruppo Cooperativo CGM ha scelto di "
                    "mettere a servizio delle comunità l’esperienza maturata in campo di welfare "
                    "aziendale e territoriale, implementando soluzioni tecnologiche e "
                    "organizzative adatte a garantire di raggiungere i cittadini con servizi di "
                    "cura essenziali. Sono state avviate tre sperimentazioni di piattaforme "
                    "dedicate al welfare territoriale (a Biella, Sondrio e Matera) e da questi "
                    "progetti pilota è stato possibile trarre importanti elementi di "
                    "apprendimento, riconducibili all’adattamento dei servizi di welfare al "
                    "contesto, alla duttilità dello strumento digitale e alla velocità con cui "
                    "questo può rispondere alle esigenze mutate delle comunità.</p>"
                ),
            ),
            (
                "cta",
                {
                    "label": "Vai a curaitalia.cgmwelfare.it",
                    "url": "https://curaitalia.cgmwelfare.it",
                },
            ),
        ],
    },
]

WEBINARS = [
    {
        "slug": "imprese-sociali-educazione",
        "title": (
            "Le imprese sociali dell’educazione: spunti e stimoli per resistere oggi e ripartire "
            "domani"
        ),
        # First sentence of the announcement (kept out of the abstract).
        "standfirst": (
            "Si terrà venerdì 17 aprile alle 10.30 lo speciale appuntamento online che coinvolge "
            "i professionisti dell’area educazione della rete CGM."
        ),
        "categories": ["educazione", "formazione"],
        "published": "2020-04-15",
        "topic_area": "",
        "start": "2020-04-17T10:30",
        # The seed gives no end time for this webinar: 12:00 is an assumption.
        "end": "2020-04-17T12:00",
        "abstract": (
            "<p>In questo tempo di chiusura obbligata dei servizi educativi nella loro accezione "
            "tradizionale ci piacerebbe condividere con voi buone prassi non solo rispetto alla "
            "riorganizzazione delle attività e dei servizi che permettano la continuità delle "
            "relazioni educative, di cura, di assistenza con i piccoli utenti, le loro famiglie e "
            "le comunità, ma anche, e soprattutto, avere l’occasione di rileggere le esperienze e "
            "massimizzare gli apprendimenti di queste settimane.</p><p>Venerdì 17 aprile "
            "rileggeremo assieme sia le esperienze educative di questo periodo, ma anche i nuovi "
            "bisogni delle famiglie e come tutto ciò si possa tradurre in un ri-orientamento dei "
            "servizi.</p><p>Ci guideranno nel focus Laura Malavasi, pedagogista, Francesca "
            "Battistoni, esperta in innovazione sociale: ci aiuteranno a fare tesoro di ciò che "
            "di positivo viene creato, proposto e sperimentato in questo tempo “sospeso”. "
            "Dialogherà con loro Flaviano Zandonai.</p>"
        ),
        "agenda": [],
        # From "Ci guideranno nel focus ..." and "Dialogherà con loro Flaviano Zandonai."
        "speakers": [
            ("Laura Malavasi", "pedagogista", "speaker"),
            ("Francesca Battistoni", "esperta in innovazione sociale", "speaker"),
            ("Flaviano Zandonai", "", "moderator"),
        ],
        "contact_email": "",
        "has_programme": False,
        "free": True,
        "members_only": True,
        "platform": "teams",
    },
    {
        "slug": "gestione-privacy-salute",
        "title": "La gestione della privacy tra tutela della salute e rispetto degli adempimenti",
        "standfirst": "",
        "categories": ["formazione"],
        "published": "2020-04-09",
        "topic_area": "Sistemi di Gestione",
        "start": "2020-04-15T15:00",
        "end": "2020-04-15T16:30",
        # The seed has no descriptive paragraph for this webinar (only the agenda).
        "abstract": "",
        "agenda": [
            (
                "Le “nuove” pratiche richieste oggi da parte del sistema sanitario alle imprese "
                "sociali nella gestione dei servizi e accorgimenti utili da parte dei datori di "
                "lavoro"
            ),
            (
                "Le piattaforme per la didattica a distanza dal punto di vista della tutela della "
                "privacy soprattutto di chi le utilizza (minori in primis)"
            ),
            (
                "Le mappature epidemiologiche e il contact tracing: il parere del garante sulla "
                "possibilità di utilizzare applicazioni idonee a tracciare i contagiati."
            ),
            "Il difficile equilibrio tra tutela della salute e diritti individuali.",
            "La privacy e alcuni spunti per difendersi dalle truffe on line",
        ],
        "speakers": [("Daniele Consoletti", "avvocato esperto di sistemi privacy", "speaker")],
        "contact_email": "simona.taraschi@cgm.coop",
        "has_programme": True,
        "free": True,
        "members_only": True,
        "platform": "teams",
    },
    {
        "slug": "gestione-rischio-clinico",
        "title": "La gestione del rischio clinico nei servizi delle imprese sociali",
        # The seed's text is all in its "Abstract" section: no standfirst repeating it.
        "standfirst": "",
        "categories": ["formazione", "news"],
        "published": "2020-04-03",
        "topic_area": "Sistemi di Gestione",
        "start": "2020-04-08T15:00",
        "end": "2020-04-08T16:30",
        "abstract": (
            "<p>Identificare i fattori che determinano il rischio clinico, analizzarli, valutarli "
            "e definire le strategie per governarli sono processi che diventano ancora più "
            "nevralgici alla luce della situazione che ci ha letteralmente travolti in questo "
            "periodo</p><p>Il webinar si propone di fornire gli strumenti base di risk management "
            "e costruire un linguaggio comune per una efficace gestione del “rischio clinico”.</p>"
        ),
        "agenda": [
            (
                "cosa significa gestione del rischio e quali sono i passaggi metodologici "
                "fondamentali"
            ),
            "approccio proattivo e reattivo",
            "come impostare un processo di risk assessment",
            "cosa si intende per incident reporting",
            (
                "eventi avversi (e sentinella ) … la loro gestione e la loro importanza nel "
                "processo di risk management"
            ),
            "come e quanto incide il Fattore Umano",
        ],
        "speakers": [
            ("Mario Iesurum", "formatore e consulente esperto in risk management", "speaker"),
        ],
        "contact_email": "simona.taraschi@cgm.coop",
        "has_programme": True,
        "free": True,
        "members_only": True,
        "platform": "teams",
    },
]
