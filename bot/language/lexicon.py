"""Word lists (folded) that tell the sought person's name apart from the rest of a message.

A relative's message mixes the name with greetings, requests, places and feelings. Anything that is
not a known ordinary word may be part of a name, so ``NOT_NAME`` is deliberately broad: function
words, and the verbs and nouns these messages use (busco, información, estación migratoria...).
The given-name list only gives a hint about order (given names first or surnames first); it never
decides what a name is.
"""

from __future__ import annotations

from bot.language.normalize import fold_word


def _words(text: str) -> frozenset[str]:
    return frozenset(fold_word(w) for w in text.split())


# Spanish function words. "de", "del", "la", "las", "los", "y" are also name particles: names.py
# keeps them between two name words ("Pedro de la Cruz").
FUNCTION_WORDS = _words(
    """
    a al ante bajo con contra de del desde durante en entre hacia hasta mediante para por segun sin
    sobre tras el la los las lo le les un una unos unas uno se me te nos os mi mis tu tus su sus
    nuestro nuestra nuestros nuestras vuestro yo usted ustedes ud uds vd él ella ellos ellas ello
    este esta esto estos estas ese esa eso esos esas aquel aquella aquello aquellos que qué quien
    quién quienes cual cuál cuales como cómo cuando cuándo donde dónde adonde cuanto cuanta cuantos
    porque pues y e o u ni pero sino si sí no ya también tambien aun aún todavia todavía muy mas más
    menos solo sólo nada algo alguien nadie todo toda todos todas cada otro otra otros otras mismo
    misma aqui aquí alli allí ahi ahí alla allá acá aca hoy ayer mañana ahora ahorita luego despues
    después antes nunca siempre bien mal tan tanto tanta poco mucho mucha muchos muchas algun alguno
    alguna algunos algunas ningun ninguno ninguna cualquier demas demás casi asi así entonces osea
    sea mientras aunque igual junto juntos favor gracias porfa porfavor xfa xfavor plis pls ok okay
    vale va bueno buena buenas buenos hola ola holi saludos dias días tardes noches tarde noche buen
    adios adiós chao bye hey oiga oigan disculpe disculpa perdon perdón perdone lo siento
    """
)

# Words these messages are made of: requests, feelings, the event, places, documents, time.
DOMAIN_WORDS = _words(
    """
    busco buscando buscamos buscar buscan busca búsqueda busqueda nueva nuevo quiero quisiera queria
    quería queremos necesito necesitamos necesita necesitan deseo desearia desearía saber sabe saben
    sabemos sé informacion información info informes informen informar noticias noticia novedades
    datos dato estaba estaban esta está estan están estuvo estar estará es era eran fue fueron son
    ser soy somos eres sea sido siendo tiene tengo tenemos tenia tenía tienen tener llama llamo
    llamaba llaman llamada llamar llame llamen nombre nombres apellido apellidos nombrado dice dicen
    dijeron dijo decir digan diga puede pueden podria podría podrian podrían pudiera puedo podemos
    ayuda ayudar ayudarme ayudenme ayúdenme ayudeme ayúdeme ayudennos apoyo apoyar encontrar
    encuentra encuentre localizar ubicar ubicado ubicada comunicar comunicarme contactar contacto
    hablar hable hablo habla dar den de denme darme dame manden mandar enviar envien envíen recibir
    reciba mensaje mensajes respuesta responder responda contesten contestar llego llegó llegaron
    salio salió salieron paso pasó sucedio sucedió ocurrio ocurrió pasado vive vivo viva vivos
    vivir murio murió muerto muerta muertos fallecio falleció fallecido herido herida heridos
    lesionado quemado quemaduras hospitalizado hospitalizada internado detenido detenida detenidos
    preso presa presos arrestado arrestaron agarraron llevaron deportado deportaron migrante
    migrantes incendio incendió fuego humo tragedia accidente estacion estación migratoria
    migratorio migracion migración centro ciudad cd chihuahua hospital hospitales
    clinica clínica albergue carcel cárcel celda instituto inm estancia provisional frontera
    puente consulado embajada gobierno autoridades autoridad lista listas familia
    familiar familiares pariente parientes persona personas gente hombre hombres señor señora
    señorita senor senora don doña dona sr sra srta muchacho muchacha chavo chava joven jóvenes
    niño niña hijito mijo mija desaparecido desaparecida desaparecidos paradero estado salud
    vida urgente urgencia desesperado desesperada preocupado preocupada angustiada angustiado
    dios bendiga bendiciones amén amen gracias mil muchas favor espero esperamos esperando
    semana semanas dia día mes meses año años ano anos anios edad fecha nacimiento nació nacio
    nacido nacida nació nacimos originario originaria oriundo oriunda natural pais país
    nacionalidad documento pasaporte identificacion identificación numero número telefono
    teléfono celular whatsapp correo caso codigo código referencia reporte otra otro alguna
    aviso avisar avisen avíseme aviseme notificar notificación actualizacion actualización
    confirmar confirmen confirmado confirmada verdad cierto seguro segura creo parece
    tambien además ademas solamente mismo ninguna nadie todo sabía sabia sabemos
    mayor menor grande pequeño flaco gordo
    sus su aproximadamente aproximado aprox como unos unas mas menos tantos tantas
    cumple cumplió cumplio cumpliria cumpliría tendrá tendra
    naci nací idea desconozco desconocemos recuerdo sabria sabría
    suplico suplicamos ruego rogamos imploro pague paguen cuide cuiden guarde guarden proteja protejan
    ampare amparen acompañe acompañen antemano bendito bendita benditos santísima santísimo diosito
    virgencita atentamente cordialmente cordiales ayúdenos decirle decirte decirles
    viajó viajo viajaba viajaron viajamos viajando vivimos viven vivían vivian vivió vivio radica
    radicaba reside residía residia cruzó cruzo cruzaron cruzamos crucé cruce cruzando pasaron pasamos
    pasando saliendo salimos salí sali venían venian venimos llegamos llegando deportada deportados
    regresaron regresado trasladada huyó huyo huyeron escapó escapo entró entro entraron atravesó
    atraveso atravesaron transitó
    """
)


# Common Spanish words (a general stop-word list, names removed), so that ordinary sentences around
# the name are not taken for one.
COMMON_WORDS = _words(
    """
    actualmente acuerdo adelante ademas además adrede afirmó agregó ahi ahora ahí al algo alguna algunas
    alguno algunos algún alli allí alrededor ambos ampleamos antano antaño ante anterior antes apenas
    aproximadamente aquel aquella aquellas aquello aquellos aqui aquél aquélla aquéllas aquéllos aquí
    arriba arribaabajo aseguró asi así atras aun aunque ayer añadió aún bajo bastante bien breve buen
    buena buenas bueno buenos cada casi cerca cierta ciertas cierto ciertos cinco claro comentó como
    con conmigo conocer conseguimos conseguir considera consideró consigo consigue consiguen consigues
    contigo contra cosas creo cual cuales cualquier cuando cuanta cuantas cuanto cuantos cuatro cuenta
    cuál cuáles cuándo cuánta cuántas cuánto cuántos cómo da dado dan dar de debajo debe deben debido
    decir dejó del delante demasiado demás dentro deprisa desde despacio despues después detras detrás
    dia dias dice dicen dicho dieron diferente diferentes dijeron dijo dio donde dos durante día días
    dónde ejemplo el ella ellas ello ellos embargo empleais emplean emplear empleas empleo en encima
    encuentra enfrente enseguida entonces entre era erais eramos eran eras eres es esa esas ese eso esos
    esta estaba estabais estaban estabas estad estada estadas estado estados estais estamos estan estando
    estar estaremos estará estarán estarás estaré estaréis estaría estaríais estaríamos estarían estarías
    estas este estemos esto estos estoy estuve estuviera estuvierais estuvieran estuvieras estuvieron
    estuviese estuvieseis estuviesen estuvieses estuvimos estuviste estuvisteis estuviéramos estuviésemos
    estuvo está estábamos estáis están estás esté estéis estén estés excepto existe existen explicó expresó
    fin fue fuera fuerais fueran fueras fueron fuese fueseis fuesen fueses fui fuimos fuiste fuisteis
    fuéramos fuésemos gran grandes gueno ha haber habia habida habidas habido habidos habiendo habla
    hablan habremos habrá habrán habrás habré habréis habría habríais habríamos habrían habrías habéis
    había habíais habíamos habían habías hace haceis hacemos hacen hacer hacerlo haces hacia haciendo
    hago han has hasta hay haya hayamos hayan hayas hayáis he hecho hemos hicieron hizo horas hoy hube
    hubiera hubierais hubieran hubieras hubieron hubiese hubieseis hubiesen hubieses hubimos hubiste
    hubisteis hubiéramos hubiésemos hubo igual incluso indicó informo informó intenta intentais intentamos
    intentan intentar intentas intento ir junto la las le lejos les llegó lleva llevar lo los luego lugar
    mal manera manifestó mas mayor me mediante mejor mencionó menos menudo mi mia mias mientras mio mios
    mis misma mismas mismo mismos modo momento mucha muchas mucho muchos muy más mí mía mías mío míos
    nada nadie ni ninguna ningunas ninguno ningunos ningún no nos nosotras nosotros nuestra nuestras
    nuestro nuestros nueva nuevas nuevo nuevos nunca ocho os otra otras otro otros pais para parece parte
    partir pasada pasado paìs peor pero pesar poca pocas poco pocos podeis podemos poder podria podriais
    podriamos podrian podrias podrá podrán podría podrían poner por porque posible primer primera primeros
    principalmente pronto propia propias propio propios proximo próximo próximos pudo pueda puede pueden
    puedo pues qeu que quedó queremos quien quienes quiere quiza quizas quizá quizás quién quiénes qué
    raras realizado realizar realizó repente respecto sabe sabeis sabemos saben saber sabes se sea seamos
    sean seas segun segunda segundo según seis ser sera seremos será serán serás seré seréis sería seríais
    seríamos serían serías seáis señaló si sido siempre siendo siete sigue siguiente sin sino sobre sois
    sola solamente solas solo solos somos son soy soyos su supuesto sus suya suyas suyo suyos sé sí sólo
    tal tambien también tampoco tan tanto te temprano tendremos tendrá tendrán tendrás tendré tendréis
    tendría tendríais tendríamos tendrían tendrías tened teneis tenemos tener tenga tengamos tengan tengas
    tengo tengáis tenida tenidas tenido tenidos teniendo tenéis tenía teníais teníamos tenían tenías
    tercera ti tiempo tiene tienen tienes toda todas todavia todavía todo todos total trabaja trabajais
    trabajamos trabajan trabajar trabajas trabajo tras trata través tres tu tus tuve tuviera tuvierais
    tuvieran tuvieras tuvieron tuviese tuvieseis tuviesen tuvieses tuvimos tuviste tuvisteis tuviéramos
    tuviésemos tuvo tuya tuyas tuyo tuyos tú ultimo un una unas uno unos usais usamos usan usar usas
    uso usted ustedes va vais valor vamos van varias varios vaya veces ver verdad verdadera verdadero
    vez vosotras vosotros voy vuestra vuestras vuestro vuestros ya yo él éramos ésa ésas ése ésos ésta
    éstas éste éstos última últimas último últimos

    """
)

# More of what these messages say: the event, places, people around it, time, feelings.
EVENT_WORDS = _words(
    """
    hace fue fueron salio vino venia iba iban cruzar cruzo viajaba viajar viaje trabaja trabajaba
    escribo escribir escribe marcar comunico mandaron mandar supimos vimos vi vieron video
    foto fotos television tele redes facebook periodico publicaron aparecer aparece aparecio
    aparezca encontraron preocupa angustia desesperacion llorando rezando orando pidiendo rogando
    favorcito rapido contestan contesta contestaba lunes martes miercoles jueves viernes sabado
    virgen ayudenos ayudarnos caridad puedan entro metieron encerrado encerrada encerrados puerta
    cerrada candado guardias guardia policia policias federales presidente consul abogado
    licenciado lic ing dr dra doctor doctora enfermera medico medicos fiscalia ministerio publico
    semefo forense morgue texas sobrevivientes sobreviviente regresado regreso retornado liberado
    trasladado trasladaron hogar trabajo dinero numero mensajes ultima ultimo vez supe supo
    sabido nombre lista listas salga salir sale llamaron llamo llamada llamadas pregunta preguntar
    pregunto quisiera quiero queremos saber si esta bien mal grave estable delicado quemadas
    responde respondan respondio nadie nada contacto comunicacion senal cel cell tel tambien
    primo familia esposo ninos hijos bebe bebes muchachos chavos migrantes gente personas hombres
    mujeres tragedia noticia informe dijeron dicen decia comentaron paso pasa pasaron ocurrio
    sobrevivio sobrevivieron murieron fallecieron heridos lesionados quemados atendido atendida
    internada detencion instalaciones estancia centro albergue refugio frontera puente garita
    desierto tren autobus camion bus carro pie caminando camino ruta coyote pollero
    hoy ayer anoche madrugada manana tarde noche semana mes horas dia dias fecha desde cuando
    pronto urgente favor porfavor porfa ayuda ayudar informacion informes noticias respuesta
    tener tenga tengan tienen hay habia habian estuvo llego llegaron salieron desaparecio
    desaparecieron perdio perdido perdida perdimos sabia ultima vez visto vista vimos escucho
    oimos hablamos hablo hablaba dijo platicamos mensaje whatsapp telefono celular numero correo
    mundo pais ciudad estado municipio aldea pueblo colonia departamento zona barrio viene vienen
    venir venia llegar regresar volver volvio iba ido
    select drop table insert delete update union null script alert
    """
)

# Words of the relationship table live in relationship.py; commands in commands.py.

ENGLISH_WORDS = _words(
    """
    i i'm im me my mine we our us you your he him his she her hers they them their it its the a an
    and or but if of in on at to for from with about by is am are was were be been being have has
    had do does did not no yes please thanks thank hello hi hey dear looking look find search
    searching brother sister mother father son daughter husband wife cousin uncle aunt nephew niece
    friend boyfriend girlfriend family name named called born years old age alive safe where
    information info news know need want help can could would anyone someone person people this
    that what who when why how there here detention center fire hospital meant mean sorry want wanted
    talk speak tell told said say still missing lost any some detained arrested migrant update updates
    okay cell phone number call text sent jail prison border just only also very much thank god bless
    please urgent brother's mother's last seen since ago was were will would should
    """
)

# Common given names (folded) in Mexico and Central America: used only to guess whether a name was
# written given names first or surnames first.
COMMON_GIVEN_NAMES = _words(
    """
    jose juan luis carlos jorge miguel angel pedro pablo francisco javier manuel antonio jesus
    mario marco marcos oscar edgar edwin elmer erick eric wilson wilmer walter william kevin brayan
    bryan jonathan johnny josue david daniel alejandro alexander alex andres roberto ricardo rafael
    ramon raul rene rigoberto ruben rodrigo santiago sergio salvador samuel saul sebastian tomas
    victor vicente hugo hector henry herbert gustavo gerardo german gabriel fernando felipe
    fabian esteban enrique emilio eduardo diego cristian christian cesar byron armando arturo
    alfredo alberto adolfo abel abraham adan alvaro benjamin domingo efrain elias eliseo ernesto
    eugenio ezequiel federico fredy freddy gilberto guillermo hermelindo ignacio isaac ismael
    israel jacinto jaime joel julio julian leonel lorenzo lucas marvin mauricio maximo moises
    nelson noe octavio omar orlando osvaldo pascual ramiro reyes rolando romeo rosendo santos
    teodoro ulises vidal yovani giovanni jeremias jairo elder selvin mynor byron estuardo
    otto axel melvin nery denis dennis darwin edson erwin eber gerson kenneth dilan dylan
    maria ana rosa carmen guadalupe lucia luz marta martha patricia gloria sandra claudia
    veronica silvia elena isabel juana teresa julia laura monica adriana alejandra andrea
    beatriz blanca cecilia diana esperanza fabiola gabriela irma josefina leticia liliana lorena
    margarita mercedes norma olga paola raquel rocio sara sofia susana yolanda jessica karla
    wendy yesenia ingrid lesly heidy evelyn dora ruth esther marisol
    """
)

COMMON_SURNAMES = _words(
    """
    hernandez garcia lopez martinez gonzalez perez rodriguez sanchez ramirez cruz flores gomez
    morales vasquez vazquez reyes jimenez torres diaz gutierrez ruiz mendoza aguilar ortiz castillo
    moreno romero alvarez chavez rivera juarez ramos dominguez herrera medina castro vargas
    guzman velasquez velazquez mejia estrada ortega contreras salazar soto rojas delgado figueroa
    alvarado sandoval castaneda cortes cardenas campos navarro pineda orellana escobar barrios
    lemus mazariegos xicara tzul coc choc caal pop tut ixcoy chun rios casas rojas campos ramos
    torres flores santos fuentes paredes montes nieves bravo calle vega rosales robles olivares
    prado puerta leon paz luna blanco rubio marin nunez leal medrano mayorga quintero
    """
)
