"""Common given names and surnames of Mexico and Central/South America (pure data).

Two uses: the scorer refuses to call a token a "typo" of another when both are known, different
names (Raúl is not a typo of Saúl, Rosas is not a typo of Rojas), and the benchmark draws its
fictional records from these lists. They are lists of common words, not of persons.
"""

from __future__ import annotations

MALE_GIVEN_NAMES: tuple[str, ...] = tuple(
    """
    José Juan Luis Carlos Jorge Jesús Miguel Francisco Antonio Pedro Manuel Alejandro Fernando Ricardo
    Roberto Javier Eduardo Sergio Raúl Saúl Mario Marco Marcos Arturo Alberto Andrés Ángel Daniel David
    Diego Enrique Ernesto Felipe Gabriel Guillermo Gustavo Héctor Hugo Ignacio Jaime Joaquín Julio
    Leonardo Lorenzo Martín Mauricio Nicolás Óscar Pablo Rafael Ramón Román Rodrigo Rubén Salvador
    Santiago Tomás Víctor Vicente Alfonso Alfredo Armando Benjamín César Cristian Darío Edgar Efraín
    Emilio Esteban Fabián Federico Gerardo Gilberto Gonzalo Horacio Iván Jonathan Josué Julián Leonel
    Lucas Marcelo Mateo Moisés Noé Octavio Omar Orlando Patricio Ramiro Reynaldo Rigoberto Rolando
    Samuel Sebastián Silvio Teodoro Ulises Valentín Wilson Walter Wilmer Élmer Nelson Selvin Byron
    Kevin Brayan Erick Edwin Melvin Marvin Rony Juvenal Florentino Cirilo Abel Adán Agustín Alonso
    Ambrosio Aurelio Baltasar Bernardo Bruno Camilo Cándido Cayetano Celso Claudio Cosme Crisanto
    Damián Domingo Eliseo Eloy Emiliano Ezequiel Fausto Fidel Gregorio Heriberto Hilario Isidro
    Jacinto Jeremías Leandro Lisandro Macario Maximiliano Melquiades Nazario Nemesio Pascual Porfirio
    Próspero Quirino Reyes Saturnino Severo Simón Tadeo Timoteo Tobías Ubaldo Urbano Venancio Zacarías
    """.split()
)

FEMALE_GIVEN_NAMES: tuple[str, ...] = tuple(
    """
    María Guadalupe Juana Margarita Verónica Patricia Rosa Ana Leticia Elizabeth Gabriela Alejandra
    Adriana Claudia Silvia Laura Martha Sandra Teresa Lucía Carmen Isabel Mónica Norma Yolanda Araceli
    Beatriz Blanca Carolina Cecilia Diana Elena Esperanza Fernanda Gloria Irma Josefina Julia Karina
    Liliana Lorena Luisa Marisol Mercedes Miriam Natalia Olga Paola Pilar Raquel Rocío Sofía Susana
    Valeria Victoria Ximena Yesenia Zulema Antonia Francisca Angélica Daniela Manuela Rafaela Mariana
    Andrea Berta Brenda Catalina Cristina Dolores Dulce Elsa Estela Eva Fabiola Flor Graciela Hilda
    Inés Irene Jazmín Jessica Jimena Karla Lidia Luz Magdalena Marcela Marina Maribel Marta Nancy
    Nora Ofelia Perla Ramona Regina Reyna Rosario Ruth Sara Selena Soledad Tania Vanessa Virginia
    Wendy Yadira Zoila Aurora Amparo Consuelo Concepción Socorro Trinidad Remedios Milagros Azucena
    Celia Delia Emma Gladys Ingrid Iris Lourdes Nidia Odilia Paula Rebeca Rosalba Sonia Xiomara
    """.split()
)

SURNAMES: tuple[str, ...] = tuple(
    """
    Hernández García Martínez López González Pérez Rodríguez Sánchez Ramírez Cruz Flores Gómez Morales
    Vázquez Reyes Jiménez Torres Díaz Gutiérrez Ruiz Mendoza Aguilar Ortiz Moreno Castillo Romero
    Álvarez Méndez Chávez Rivera Juárez Ramos Domínguez Herrera Medina Castro Vargas Guzmán Velázquez
    Muñoz Rojas Rosas Contreras Salazar Luna Ortega Santiago Guerrero Estrada Bautista Cortés Soto
    Alvarado Espinoza Lara Ávila Ríos Cervantes Silva Delgado Vega Márquez Sandoval Fernández Carrillo
    León Mejía Solís Núñez Campos Ibarra Navarro Valencia Cabrera Acosta Calderón Zamora Nava Robles
    Fuentes Valdez Ochoa Salinas Pacheco Trejo Rangel Camacho Orozco Miranda Cárdenas Montoya Padilla
    Villanueva Beltrán Molina Escobar Figueroa Arellano Marín Rosales Sosa Lozano Galván Esquivel
    Maldonado Benítez Tapia Pineda Mora Meza Duarte Franco Mercado Gallegos Olvera Ponce Quintero
    Barrera Bravo Cano Carmona Cisneros Colín Córdova Coronado Durán Escamilla Galindo Garza Gallardo
    Hidalgo Lugo Macías Manzano Montes Muñiz Nieto Osorio Palacios Paredes Peña Quiroz Rincón Salas
    Santos Serrano Suárez Tovar Trujillo Uribe Valle Varela Villa Villegas Zavala Zepeda Arévalo
    Barrios Cuéllar Escalante Funes Girón Monterroso Orellana Quiñónez Recinos Samayoa Barillas
    Cifuentes Chinchilla Solórzano Xicará Ajú Coc Tzoc Choc Caal Tun Pop Ixcoy Velásquez Zelaya
    Amaya Portillo Mejicanos Bonilla Cáceres Murillo Alfaro Argueta Canales Henríquez Menjívar Urquilla
    Betancourt Quintana Becerra Bermúdez Calle Giraldo Jaramillo Londoño Ospina Restrepo Zuluaga
    Mosquera Cedeño Vera Zambrano Intriago Loor Chiriboga Andrade Moncayo Yépez Villacís
    """.split()
)

# Particles that join a surname or a compound given name to the next word ("María de la Luz",
# "Del Río", "Ortega y Gasset"): they carry no identity and relatives often drop them.
PARTICLES: frozenset[str] = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "do", "dos", "das"})
